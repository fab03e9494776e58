"""Many runs at once: the same design over many seeds, so a class sees the regularity and not one lucky run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cisim.classroom import data
from cisim.classroom.canvas import DPI, HEADLINE_SIZE, HEADLINE_STYLE, encode_png
from cisim.classroom.pair import SideBySide
from cisim.plots.colours import COALITION_COLOUR, ISOLATED_COLOUR
from cisim.scenarios.scenario import Scenario

#: How many seeds the page runs at once, and the spread it draws (the share of runs inside the band).
SEEDS = 20
SPREAD = (10, 90)


@dataclass(frozen=True)
class ManyRuns:
    """Both sides' community outcome in many runs of one design: one row per step, one column per seed.

    Attributes:
        isolated: outcomes of isolated impact (rows: steps; columns: seeds).
        coalition: outcomes of the coalition design, run for run on the same seeds.
    """

    isolated: pd.DataFrame
    coalition: pd.DataFrame

    @property
    def final_gaps(self) -> np.ndarray:
        """Coalition minus isolated outcome at the end of each run."""
        return self.coalition.iloc[-1].to_numpy() - self.isolated.iloc[-1].to_numpy()

    def summary(self) -> str:
        """One sentence for the class: the mean final gap and in how many runs the coalition ended ahead."""
        gaps = self.final_gaps
        ahead = int(np.sum(gaps > 0.005))
        behind = int(np.sum(gaps < -0.005))
        seeds = list(self.isolated.columns)
        gap = gaps.mean()
        # Within half a hundredth the gap is level, as the page's top panel says (never "-0.00").
        gap_text = "level" if abs(gap) < 0.005 else f"gap {gap:+.2f}"
        return (
            f"Over {gaps.size} runs (seeds {seeds[0]} to {seeds[-1]}): alone {self.isolated.iloc[-1].mean():.2f}, "
            f"coalition {self.coalition.iloc[-1].mean():.2f} at the end on average ({gap_text}); the coalition "
            f"ended ahead in {ahead}, behind in {behind}, level in {gaps.size - ahead - behind}."
        )

    def frame(self) -> pd.DataFrame:
        """Every run as a long table: step, seed, side, outcome (for download)."""
        parts = []
        for side, table in (("isolated", self.isolated), ("coalition", self.coalition)):
            long = table.rename_axis("step").reset_index().melt(id_vars="step", var_name="seed", value_name="outcome")
            long.insert(2, "side", side)
            parts.append(long)
        return pd.concat(parts, ignore_index=True)


def run_many(base: Scenario, settings: dict[str, Any], first_seed: int = 0, seeds: int = SEEDS) -> ManyRuns:
    """Run ``base`` with the page's ``settings`` on ``seeds`` seeds from ``first_seed``, both sides, to the end."""
    isolated, coalition = {}, {}
    for seed in range(first_seed, first_seed + seeds):
        pair = SideBySide(base=base, seed=seed, **settings)
        while pair.running:
            pair.step()
        left, right = pair.snapshots()
        isolated[seed] = left.series[data.OUTCOME]
        coalition[seed] = right.series[data.OUTCOME]
    return ManyRuns(isolated=pd.DataFrame(isolated), coalition=pd.DataFrame(coalition))


def many_runs_png(runs: ManyRuns) -> bytes:
    """Mean and spread (``SPREAD`` percentiles) of both sides' outcome over time, as PNG bytes."""
    figure = Figure(figsize=HEADLINE_SIZE, dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    with rc_context(HEADLINE_STYLE):
        ax = figure.add_axes((0.085, 0.25, 0.88, 0.6))
        for table, colour, label in (
            (runs.isolated, ISOLATED_COLOUR, "isolated impact"),
            (runs.coalition, COALITION_COLOUR, "coalition design"),
        ):
            steps = table.index.to_numpy()
            low, high = np.percentile(table.to_numpy(), SPREAD, axis=1)
            ax.fill_between(steps, low, high, color=colour, alpha=0.2, linewidth=0)
            ax.plot(steps, table.mean(axis=1).to_numpy(), color=colour, linewidth=3.5, label=f"{label} (mean)")
        ax.set_xlim(0, max(int(runs.isolated.index[-1]), 1))
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("step")
        ax.set_ylabel("outcome")
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=2, borderaxespad=0.1)
        canvas.draw()
    return encode_png(canvas)
