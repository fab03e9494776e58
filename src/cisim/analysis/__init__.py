"""Turning runs into answers: paired differences between arms with confidence intervals."""

from cisim.analysis.paired import PairedDifference, compare_table, paired_difference

__all__ = ["PairedDifference", "compare_table", "paired_difference"]
