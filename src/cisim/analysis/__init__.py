"""Turning runs into answers: results loaded once, paired differences between arms with confidence intervals."""

from cisim.analysis.paired import PairedDifference, compare_table, paired_difference
from cisim.analysis.results import Results, ResultsError

__all__ = ["PairedDifference", "Results", "ResultsError", "compare_table", "paired_difference"]
