"""Where a step's time goes inside the compiled code: a sampling profile (Linux ``perf``) by function.

Usage (from the repository root, after scripts/setup.sh; needs ``perf``, and permission to attach to a process
of your own: ``kernel.perf_event_paranoid`` of 2 or less):

    .venv/bin/python benchmarks/profile_kernels.py [--work complete] [--draws keyed] [--runs 40] [--top 25]
                                                   [--commit 3b55e55]

``benchmarks/profile_run.py`` (cProfile) sees the compiled phases as single calls. This script looks inside
them. A child process runs the work: ``lf-linear`` and ``lf-complete`` step Lazer & Friedman's model (the
validation experiment's main study, 100 organizations, ``--runs`` models of 100 steps), ``default`` runs the
default complex run (``run_model``, ``--runs`` x 10 runs). The child compiles every kernel afresh rather than
loading it from numba's cache (a first run's minute or two), because only freshly compiled code still knows
where each of its functions lies; it writes those addresses in the map file ``perf`` reads for code made at run
time (``/tmp/perf-PID.map``), and the models are built before ``perf`` attaches, so that only the steps are
sampled. The table gives each function's share of the samples, grouped as cisim's compiled code, numba's
runtime (``NRT_incref`` and ``NRT_decref``, an atomic operation per array a compiled function receives or makes,
and its allocations), the Python interpreter, numpy, and the rest. A function that numba inlined into another
counts as the one it was inlined into.

With ``--commit`` the code of that commit is exported (``git archive``) and profiled with this environment's
packages, so that a profile before a change and one after can be compared.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKS = ("lf-linear", "lf-complete", "default")

CHILD = r"""
import gc, os, sys, time
from pathlib import Path

from numba.core import caching
from numba.core.registry import CPUDispatcher

# Compile afresh: code loaded from numba's cache does not know where its functions lie.
caching.FunctionCache.load_overload = lambda *arguments, **keywords: None
caching.FunctionCache.save_overload = lambda *arguments, **keywords: None

work, draws, runs, signals = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
sys.path.insert(0, str(Path.cwd() / "benchmarks"))


def lazer_friedman(network):
    import peers

    values = {**peers.model_values(network), "draws": draws}
    peers.build(values, 1).step()  # compiles
    models = [peers.build(values, seed) for seed in range(2, 2 + runs)]

    def run():
        for model in models:
            for _ in range(100):
                model.step()

    return run


def default_runs():
    from cisim.api import resolve_scenario
    from cisim.experiments.runs import run_model

    scenario = resolve_scenario("complex").with_arm("scenario")
    if draws != "sequential":
        scenario = scenario.with_values(run__draws=draws)
    run_model(scenario, 0)  # compiles

    def run():
        for seed in range(1, 1 + 10 * runs):
            run_model(scenario, seed)

    return run


run = default_runs() if work == "default" else lazer_friedman(work.removeprefix("lf-"))
addresses = {}
for dispatcher in [found for found in gc.get_objects() if isinstance(found, CPUDispatcher)]:
    for result in list(dispatcher.overloads.values()):
        library = result.library
        module = getattr(library, "_final_module", None)
        if module is None:
            continue
        for function in module.functions:
            if not function.is_declaration:
                address = library.get_pointer_to_function(function.name)
                if address:
                    addresses[address] = function.name
ordered = sorted(addresses)
with open(f"/tmp/perf-{os.getpid()}.map", "w") as map_file:
    for at, following in zip(ordered, [*ordered[1:], ordered[-1] + 65536]):
        map_file.write(f"{at:x} {min(following - at, 1 << 20):x} {addresses[at]}\n")
gc.collect()
(signals / "ready").write_text(str(os.getpid()))
time.sleep(0.5)  # perf attaches
start = time.process_time()
run()
(signals / "done").write_text(f"{time.process_time() - start:.6f}")
time.sleep(0.5)
"""


def readable(symbol: str) -> str:
    """A numba function's mangled name as its module path and name (``cisim.model.pcg.run_program``)."""
    if not symbol.startswith("_ZN"):
        return symbol
    parts, at = [], 3
    while at < len(symbol) and symbol[at].isdigit():
        digits = re.match(r"\d+", symbol[at:])
        assert digits is not None
        length = int(digits.group())
        at += len(digits.group())
        parts.append(symbol[at : at + length])
        at += length
    if parts and parts[0] == "cpython":
        return ".".join(parts[1:]) + " (Python entry)"
    return ".".join(parts) or symbol


def group(dso: str, symbol: str) -> str:
    """The kind of code a sample fell in."""
    if symbol.startswith("NRT_"):
        return "numba's runtime (reference counts, allocation)"
    if dso.startswith("[JIT]") or "numba" in dso:
        return "cisim's compiled code" if "cisim" in symbol else "other compiled code (numba)"
    if "libpython" in dso:
        return "Python interpreter"
    if "_multiarray" in dso or "numpy" in dso or "_generator" in dso or "pcg64" in dso:
        return "numpy"
    return "the rest (C library, kernel, other)"


def profile(work: str, draws: str, runs: int, top: int, code: Path | None) -> None:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    with tempfile.TemporaryDirectory() as scratch:
        signals = Path(scratch)
        script = signals / "kernels_child.py"
        script.write_text(CHILD)
        child = subprocess.Popen([sys.executable, str(script), work, draws, str(runs), str(signals)], cwd=ROOT, env=env)
        while not (signals / "ready").exists():
            if child.poll() is not None:
                raise SystemExit(f"the profiled process ended before its work began (status {child.returncode})")
            time.sleep(0.2)
        data = signals / "perf.data"
        recorder = subprocess.Popen(
            ["perf", "record", "-F", "2000", "-p", str(child.pid), "-o", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not (signals / "done").exists():
            if child.poll() is not None:
                break
            time.sleep(0.1)
        recorder.send_signal(signal.SIGINT)
        recorder.wait()
        child.wait()
        seconds = float((signals / "done").read_text()) if (signals / "done").exists() else float("nan")
        report = subprocess.run(
            ["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,symbol", "--stdio", "-q"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rows = []
    for line in report.splitlines():
        found = re.match(r"\s*([\d.]+)%\s+(\S+(?: tid \d+)?)\s+\[\S\]\s+(\S+)", line)
        if found:
            rows.append((float(found.group(1)), found.group(2), re.sub(r"B\d+v\d+B.*$", "", found.group(3))))
    groups: dict[str, float] = defaultdict(float)
    functions: dict[tuple[str, str], float] = defaultdict(float)
    for share, dso, symbol in rows:
        groups[group(dso, symbol)] += share
        functions[(group(dso, symbol), readable(symbol))] += share
    steps = runs * 100 if work != "default" else runs * 10
    unit = "a step" if work != "default" else "a run"
    print(f"\n{work}, draws {draws}: {1e6 * seconds / steps:,.1f} us of processor time {unit} while sampled\n")
    print("| kind of code | share of samples |")
    print("| --- | ---: |")
    for name, share in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"| {name} | {share:.1f} % |")
    print("\n| function | kind | share of samples |")
    print("| --- | --- | ---: |")
    for (kind, name), share in sorted(functions.items(), key=lambda item: -item[1])[:top]:
        print(f"| `{name}` | {kind} | {share:.1f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", choices=WORKS, default="lf-complete")
    parser.add_argument("--draws", choices=("sequential", "keyed"), default="sequential")
    parser.add_argument("--runs", type=int, default=40, help="models of 100 steps (default work: x 10 runs)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--commit", help="profile this commit's code instead (e.g. 3b55e55)")
    options = parser.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("this profile needs Linux perf (the 'perf' command), which is not on this machine")
    if options.commit is None:
        profile(options.work, options.draws, options.runs, options.top, None)
        return
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "code.tar"
        subprocess.run(["git", "archive", "-o", str(archive), options.commit], cwd=ROOT, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(scratch) / "code", filter="data")
        profile(options.work, options.draws, options.runs, options.top, Path(scratch) / "code" / "src")


if __name__ == "__main__":
    main()
