"""Figures: outcome over time for a run, and the comparison of arms with uncertainty shown."""

from cisim.plots.figures import comparison_figure, run_figure

__all__ = ["comparison_figure", "run_figure"]
