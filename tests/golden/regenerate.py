"""Write the golden result files again, after a change that is meant to change results.

Usage, from the repository root::

    .venv/bin/python -m tests.golden.regenerate

Then commit the changed files under tests/golden/ with a message saying why the results changed.
For each shipped scenario (scenarios/*.toml), under its own design (``scenario``) and ``isolated``, with
seeds 1 and 2, a run of ``STEPS`` steps: its per-step outputs go to ``series/NAME.csv`` and its summary to
``summaries.csv``. Floats are written with 17 significant digits, so they read back exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cisim.experiments.runs import run_model
from cisim.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SEEDS = (1, 2)
ARMS = ("scenario", "isolated")
STEPS = 30
KEYS = ["scenario", "arm", "seed"]


def scenario_paths() -> list[Path]:
    """The shipped scenarios."""
    return sorted((ROOT / "scenarios").glob("*.toml"))


def compute() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The golden runs as they come out of the code now: per-step series by scenario, and all summaries."""
    series, summaries = {}, []
    for path in scenario_paths():
        scenario = load_scenario(path)
        frames = []
        for arm in ARMS:
            for seed in SEEDS:
                result = run_model(scenario.with_arm(arm), seed, STEPS)
                frame = result.series.reset_index()
                frame.insert(0, "seed", seed)
                frame.insert(0, "arm", arm)
                frames.append(frame)
                summaries.append({"scenario": path.stem, "arm": arm, "seed": seed, **result.summary})
        series[path.stem] = pd.concat(frames, ignore_index=True)
    return series, pd.DataFrame(summaries)


def write(series: dict[str, pd.DataFrame], summaries: pd.DataFrame, folder: Path = HERE) -> list[Path]:
    """Write the golden files; returns their paths."""
    (folder / "series").mkdir(parents=True, exist_ok=True)
    for stale in (folder / "series").glob("*.csv"):
        stale.unlink()
    written = []
    for name, frame in series.items():
        path = folder / "series" / f"{name}.csv"
        frame.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")
        written.append(path)
    summaries.to_csv(folder / "summaries.csv", index=False, float_format="%.17g", lineterminator="\n")
    return [*written, folder / "summaries.csv"]


def read(path: Path) -> pd.DataFrame:
    """A golden file as written (floats exactly)."""
    return pd.read_csv(path, engine="python")  # Python's own float parsing: exact for 17 digits


if __name__ == "__main__":
    files = write(*compute())
    print(f"wrote {len(files)} golden files in {HERE.relative_to(ROOT)}")
