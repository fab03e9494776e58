"""A sweep's results folder, loaded once into one object that tables, figures and the report all read.

``Results.load(folder)`` reads the per-run table, the manifest and the status log once (the per-step series
only when something asks for it, and then once); everything downstream takes the ``Results`` and never
opens the folder again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from cisim.experiments.store import TableNotKept, load_results, read_manifest, read_status

#: Columns of the design that are not factors.
DESIGN_COLUMNS = {"run_id", "scenario", "scenario_index", "point", "replicate", "arm", "seed"}

#: The condition-dynamics mode of results written before the mode existed (conditions were then built up
#: by the backbone and eroded without one).
DYNAMICS_BEFORE_THE_PARAMETER = "built"
DYNAMICS = "conditions.dynamics"


def default_baseline(arms: list[str]) -> str:
    """The arm others are compared with when neither the experiment nor the command names one.

    ``isolated`` when the results hold it, else the first arm: one rule for tables, figures and the report.
    """
    return "isolated" if "isolated" in arms else arms[0]


class ResultsError(ValueError):
    """A folder cannot be read as a sweep's results; the message names the folder and what is wrong."""


def _what_would(folder: Path) -> str:
    """What to run to get a folder the analysis commands read, for a folder that is not one."""
    if (folder / "runs.csv").exists() and (folder / "differences.csv").exists():
        return (
            "; it holds a comparison written by an earlier cisim (runs.csv only). Run the same `cisim compare "
            "SCENARIO` again: its folder now holds the design and manifest that analyze, plot and report read"
        )
    if (folder / "summary.json").exists():
        return "; it holds one run (cisim run). Compare designs with `cisim compare SCENARIO`, then report on that"
    return "; make one with `cisim compare SCENARIO` (two designs) or `cisim sweep EXPERIMENT` (a design of many)"


def factor_columns(frame: pd.DataFrame) -> list[str]:
    """The design's factors (dotted parameter names) present in a results frame."""
    return [c for c in frame.columns if "." in c and c not in DESIGN_COLUMNS]


@dataclass(frozen=True, eq=False)
class Results:
    """One sweep's results: the per-run frame, the manifest and the status log, read once.

    Attributes:
        folder: the results folder.
        frame: one row per run whose results are on disk: the design joined with the run's summary.
        manifest: the sweep's manifest (experiment, scenarios, arms, factors, seeds, platform).
        status: the last status entry of every recorded run, by ``run_id``.
    """

    folder: Path
    frame: pd.DataFrame
    manifest: dict[str, Any]
    status: dict[int, dict[str, Any]]

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by ``cisim sweep``.

        Raises:
            ResultsError: the folder is not a sweep's results folder, or its manifest cannot be read.
        """
        folder = Path(folder)
        try:
            frame = load_results(folder, incomplete="ignore")  # the commands say what is missing themselves
        except (FileNotFoundError, ValueError) as error:
            raise ResultsError(str(error) + _what_would(folder)) from None
        try:
            manifest = read_manifest(folder)
        except FileNotFoundError:
            raise ResultsError(
                f"{folder / 'manifest.json'}: missing; expected the manifest cisim sweep writes"
            ) from None
        except (OSError, json.JSONDecodeError) as error:
            raise ResultsError(f"{folder / 'manifest.json'}: cannot be read ({error})") from None
        return cls(folder, frame, manifest, read_status(folder))

    @classmethod
    def of(cls, results: Results | str | Path) -> Results:
        """``results`` itself, or the results loaded from a folder."""
        return results if isinstance(results, Results) else cls.load(results)

    # ----------------------------------------------------------------------------- what is in
    @cached_property
    def done(self) -> pd.DataFrame:
        """The finished runs (failed ones left out)."""
        return self.frame[self.frame["status"] == "done"] if "status" in self.frame else self.frame

    @cached_property
    def series(self) -> pd.DataFrame:
        """Per-step series of the finished runs (empty if the sweep did not keep them); read on first use."""
        try:
            series = load_results(self.folder, "series", incomplete="ignore")
        except TableNotKept:
            return self.frame.iloc[:0]
        return series[series["status"] == "done"] if "status" in series else series

    @property
    def runs(self) -> int:
        """Runs in the design."""
        return int(self.frame.attrs.get("runs", self.manifest.get("runs", len(self.frame))))

    @property
    def finished(self) -> int:
        """Runs done."""
        return int(self.frame.attrs.get("done", len(self.done)))

    @property
    def failed(self) -> int:
        """Runs that failed."""
        return int(self.frame.attrs.get("failed", 0))

    @property
    def missing(self) -> int:
        """Runs of the design not recorded yet (the sweep is running, or stopped before the end)."""
        return int(self.frame.attrs.get("missing", 0))

    @property
    def damaged(self) -> dict[int, str]:
        """Blocks of results found damaged on disk (block number: what is wrong); their runs count as missing."""
        return dict(self.frame.attrs.get("damaged") or {})

    # ----------------------------------------------------------------------------- the design
    @property
    def name(self) -> str:
        """The experiment's name."""
        return str(self.manifest.get("experiment", {}).get("name", self.folder.name))

    @property
    def description(self) -> str:
        """The question the experiment asks."""
        return str(self.manifest.get("experiment", {}).get("description", ""))

    @property
    def overrides(self) -> list[str]:
        """The command line's ``--set`` values the runs were made with (``key=value``), as the manifest records them."""
        return [str(o) for o in (self.manifest.get("options") or {}).get("overrides") or []]

    @property
    def arms(self) -> list[str]:
        """The arms, in the experiment's order."""
        declared = [arm["name"] for arm in self.manifest.get("arms", [])]
        return declared or list(dict.fromkeys(self.frame["arm"]))

    @property
    def baseline(self) -> str | None:
        """The arm the experiment compares the others with, if it names one (``baseline`` in the file)."""
        named = self.manifest.get("experiment", {}).get("baseline")
        return str(named) if named in self.arms else None

    @property
    def factors(self) -> list[str]:
        """The parameters the design varies (grid and sampled)."""
        return factor_columns(self.frame)

    @property
    def replicates(self) -> int:
        """Paired replicates per design point and arm."""
        return int(self.manifest.get("replicates", self.frame["replicate"].nunique()))

    @property
    def points(self) -> int:
        """Design points per scenario (the grid crossed with the sampled points)."""
        per_point = max(1, len(self.manifest.get("scenarios", [])) * self.replicates * len(self.arms))
        return max(1, self.runs // per_point)

    def varied(self) -> dict[str, list[Any]]:
        """Each factor with the values the design gives it, in order (sampled factors: every sampled value)."""
        grid = self.manifest.get("grid") or {}
        values = {key: list(levels) for key, levels in grid.items()}
        for key in self.factors:
            if key not in values:
                values[key] = sorted(self.frame[key].dropna().unique().tolist())
        return values

    def dynamics(self) -> dict[str, list[str]]:
        """The condition-dynamics mode (``conditions.dynamics``: fixed or built) of each arm's runs.

        Read from the results (a factor that applies to the arm), the arm's overrides or the base scenarios, in
        that order; results written before the parameter existed ran with conditions built up by the backbone
        ("built").
        """
        modes: dict[str, list[str]] = {}
        for arm in self.manifest.get("arms", [{"name": a, "overrides": {}} for a in self.arms]):
            name = arm["name"]
            varied = DYNAMICS in arm.get("factors", [DYNAMICS])  # a factor that skips an arm leaves it its own
            if DYNAMICS in self.frame and name in set(self.frame["arm"]) and varied:
                found = self.frame.loc[self.frame["arm"] == name, DYNAMICS].dropna().unique().tolist()
            elif DYNAMICS in arm.get("overrides", {}):
                found = [arm["overrides"][DYNAMICS]]
            else:
                found = [
                    scenario.get("values", {}).get(DYNAMICS, DYNAMICS_BEFORE_THE_PARAMETER)
                    for scenario in self.manifest.get("scenarios", [])
                ] or [DYNAMICS_BEFORE_THE_PARAMETER]
            modes[name] = sorted({str(mode) for mode in found})
        return modes

    def dynamics_text(self, arm: str | None = None) -> str:
        """The condition-dynamics mode in words: ``fixed``, ``built``, or per arm where arms differ."""
        modes = self.dynamics()
        if arm is not None and arm in modes:
            return " and ".join(modes[arm])
        distinct = {tuple(m) for m in modes.values()}
        if len(distinct) == 1:
            return " and ".join(next(iter(distinct)))
        return "; ".join(f"{name}: {' and '.join(m)}" for name, m in modes.items())
