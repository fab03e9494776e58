"""Running scenarios: single runs and paired comparisons of coalition designs."""

from cisim.experiments.runs import (
    SUMMARY_COLUMNS,
    Comparison,
    RunResult,
    compare_arms,
    replicate_seeds,
    run_model,
    summarise,
)

__all__ = ["SUMMARY_COLUMNS", "Comparison", "RunResult", "compare_arms", "replicate_seeds", "run_model", "summarise"]
