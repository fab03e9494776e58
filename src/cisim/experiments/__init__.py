"""Running scenarios: single runs, paired comparisons, and declared experiments swept on any executor."""

from cisim.experiments.compare import Comparison, compare_arms
from cisim.experiments.runs import SUMMARY_COLUMNS, RunResult, replicate_seeds, run_model, summarise

__all__ = ["SUMMARY_COLUMNS", "Comparison", "RunResult", "compare_arms", "replicate_seeds", "run_model", "summarise"]
