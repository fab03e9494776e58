"""The community problem: an NK landscape of interdependent decisions grouped into domains."""

from cisim.problem.landscape import EXACT_LIMIT, Extremes, Landscape

__all__ = ["EXACT_LIMIT", "Extremes", "Landscape"]
