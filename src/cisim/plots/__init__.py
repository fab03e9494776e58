"""Figures: outcome over time for a run, and the comparison of arms with uncertainty shown.

The figures are imported on first use, so ``cisim.plots.colours`` can be used (by the classroom page) without
the slide styles ``cisim.plots.figures`` sets.
"""

from typing import Any

__all__ = ["comparison_figure", "run_figure"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cisim.plots import figures

        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
