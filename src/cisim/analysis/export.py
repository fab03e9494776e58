"""Hand-off to the tools analysts already use: EMA Workbench's ``(experiments, outcomes)`` pair.

With it, EMA Workbench's scenario discovery (PRIM: "under which conditions does the coalition fail?") and
feature scoring run on cisim results unchanged; ``docs/analysis.md`` shows an example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cisim.analysis.results import Results, factor_columns
from cisim.model.outputs import RUN_SUMMARIES


def to_ema(
    frame: pd.DataFrame | Results,
    outcomes: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Convert per-run results (``cisim.load_results`` or ``Results``) to EMA Workbench's pair.

    ``experiments`` has one row per finished run: the factors (uncertainties and levers), plus ``scenario``,
    ``policy`` (the arm: EMA's name for a lever setting) and ``model`` columns, as EMA Workbench lays them
    out; ``outcomes`` maps each outcome name (default: every per-run summary the results hold) to an array
    aligned with those rows.
    """
    if isinstance(frame, Results):
        frame = frame.frame
    frame = frame[frame["status"] == "done"] if "status" in frame else frame
    outcomes = outcomes or [name for name in RUN_SUMMARIES if name in frame.columns]
    experiments = frame[factor_columns(frame)].reset_index(drop=True).copy()
    experiments["scenario"] = (frame["scenario"] + "#" + frame["replicate"].astype(str)).to_numpy()
    experiments["policy"] = frame["arm"].to_numpy()
    experiments["model"] = "cisim"
    return experiments, {name: frame[name].to_numpy(dtype=float) for name in outcomes}
