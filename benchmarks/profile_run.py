"""Where a default complex run spends its time: a profile of this code, or of an earlier commit, by function.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/profile_run.py [--commit 12ddc70] [--runs 40] [--top 15]

Runs the default complex run (``scenarios/complex.toml``: 12 organizations, 100 steps, every output every
step) ``--runs`` times under cProfile, after one warm-up run, and prints the functions with the most time of
their own, as shares of the runs' total, and the share of the run's main parts (building the model, its
steps, collecting outputs, the summary). With ``--commit`` the code of that commit is exported (``git
archive``) and profiled with this environment's packages instead. cProfile slows Python code more than
compiled code, so the shares are a guide to where time goes, not timings (``benchmarks/model_speed.py``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROFILE = r"""
import cProfile, pstats, sys
from cisim.api import resolve_scenario
from cisim.experiments.runs import run_model

runs, top = int(sys.argv[1]), int(sys.argv[2])
scenario = resolve_scenario(sys.argv[3]).with_arm("scenario")
run_model(scenario, 0)
profile = cProfile.Profile()
profile.enable()
for seed in range(1, runs + 1):
    run_model(scenario, seed)
profile.disable()
stats = pstats.Stats(profile).stats
total = sum(tt for _, _, tt, _, _ in stats.values())

def name(key):
    path, line, function = key
    if path == "~":
        return function
    parts = path.replace("\\", "/").split("/")
    where = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else (
        "/".join(parts[parts.index("cisim"):]) if "cisim" in parts else parts[-1])
    return f"{where}:{function}"

def cumulative(suffix, function):
    return max([ct for key, (_, _, _, ct, _) in stats.items() if key[0].endswith(suffix) and key[2] == function],
               default=0.0)

print("| function | own time | calls per run |")
print("| --- | ---: | ---: |")
for key, (_, calls, tt, _, _) in sorted(stats.items(), key=lambda item: -item[1][2])[:top]:
    print(f"| `{name(key)}` | {100 * tt / total:.1f} % | {calls / runs:,.0f} |")
build = max(cumulative("model/model.py", "from_scenario"), cumulative("model/model.py", "__init__"))
steps = cumulative("model/model.py", "step")
collect = cumulative("mesa/datacollection.py", "collect") + cumulative("model/reporters.py", "collect")
print()
print("| part of the run | share |")
print("| --- | ---: |")
print(f"| building the model | {100 * build / total:.0f} % |")
print(f"| steps, collecting outputs included | {100 * steps / total:.0f} % |")
print(f"| of which collecting outputs | {100 * collect / total:.0f} % |")
print(f"| the rest (series and summary) | {100 * (total - build - steps) / total:.0f} % |")
print(f"\ntotal {total / runs * 1000:.1f} ms per run under the profiler ({runs} runs)")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", help="profile this commit's code instead (e.g. 12ddc70, the previous main)")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "complex.toml"))
    options = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        if options.commit:
            archive = Path(scratch) / "code.tar"
            subprocess.run(["git", "archive", "-o", str(archive), options.commit], cwd=ROOT, check=True)
            with tarfile.open(archive) as tar:
                tar.extractall(Path(scratch) / "code", filter="data")
            env["PYTHONPATH"] = str(Path(scratch) / "code" / "src")
        script = Path(scratch) / "profiling_run.py"  # not profile.py, which would hide the standard library's
        script.write_text(textwrap.dedent(PROFILE))
        command = [sys.executable, str(script), str(options.runs), str(options.top), options.scenario]
        subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
