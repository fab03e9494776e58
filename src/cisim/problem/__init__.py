"""The community problem: an NK landscape of interdependent decisions grouped into domains."""

from cisim.problem.landscape import Landscape

__all__ = ["Landscape"]
