"""Run a validation experiment through its driver and judge each published pattern against cisim's figure.

A driver splits its experiment into problems, each seeded on its own (a landscape, a paired replicate, a pair
of rates); the runner solves them in this process or on an executor's workers, in any order, and hands the
solutions back to the driver in problem order: one seed, one result, whatever the number of workers.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cisim.validation.estimates import Estimate
from cisim.validation.spec import DriverSchema, PatternSpec, ValidationSpec

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_MEASURED = "not measured"

Value = Estimate | dict[str, Estimate]


@dataclass
class Measurements:
    """What a driver measured: estimates the patterns are judged on, raw figures for the record, series to plot."""

    estimates: dict[str, Value]
    measured: dict[str, Any]
    series: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One independent piece of an experiment: what its driver needs to solve it, and how many runs it holds.

    ``key`` says which piece (a study and replicate, a K and landscape, a pair of rates) in the driver's own
    terms, seeds included: solving it must depend on nothing else, so problems may be solved in any order, in
    any process.
    """

    key: tuple[Any, ...]
    runs: int = 1


class ValidationStopped(RuntimeError):
    """An experiment could not finish: a problem failed or a worker was lost; the message says which and why."""


class Driver(DriverSchema, Protocol):
    """A reproduction of one published study through cisim's machinery."""

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """The experiment at ``sizes`` as independent problems, in the order ``measure`` reads their solutions."""
        ...

    def solve(self, spec: ValidationSpec, problem: Problem) -> Any:
        """Solve one problem (a pure function of the spec and the problem); the result must pickle."""
        ...

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """The published measures from every problem's solution, given in the order of ``problems``."""
        ...

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Draw the experiment's figures (PNG) into ``folder``; returns their paths."""
        ...


@dataclass(frozen=True)
class PatternRow:
    """One comparison: a published figure (for one key of a table, or the whole pattern) beside cisim's."""

    key: str | None
    published: float | str | None
    estimate: Estimate | None
    verdict: str
    allowed: float | None = None
    arithmetic: str = ""


@dataclass(frozen=True)
class PatternOutcome:
    """A pattern's comparisons and its verdict: reproduced only if every comparison is."""

    spec: PatternSpec
    rows: tuple[PatternRow, ...]

    @property
    def verdict(self) -> str:
        """``reproduced``, ``not reproduced`` or ``not measured``."""
        verdicts = {row.verdict for row in self.rows}
        if NOT_REPRODUCED in verdicts:
            return NOT_REPRODUCED
        if verdicts == {REPRODUCED}:
            return REPRODUCED
        return NOT_MEASURED


@dataclass
class ExperimentOutcome:
    """The result of one validation experiment: what was measured, and every pattern judged."""

    spec: ValidationSpec
    quick: bool
    sizes: dict[str, Any]
    wall_time: float
    measurements: Measurements
    patterns: list[PatternOutcome]


def tolerance_text(pattern: PatternSpec, row: PatternRow | None = None) -> str:
    """The tolerance in words: ``±0.05``, ``±10 %``, ``±1.5 or ±10 %``, ``95 % CI > 0``, or from the SE.

    With ``tolerance_se`` the allowance depends on the row's standard error: given ``row``, its value
    (``±0.031``); without, the rule (``0.01 + 3 SE``).
    """
    if pattern.tolerance_se:
        if row is not None and row.allowed is not None:
            return f"±{row.allowed:.3g}"
        reading = f"{pattern.tolerance:g} + " if pattern.tolerance else ""
        return f"{reading}{pattern.tolerance_se:g} SE"
    if pattern.check == "above":
        return f"95 % CI > {pattern.threshold:g}"
    if pattern.check == "below":
        return f"95 % CI < {pattern.threshold:g}"
    parts = []
    if pattern.tolerance:
        parts.append(f"±{pattern.tolerance:g}")
    if pattern.tolerance_relative:
        parts.append(f"±{pattern.tolerance_relative * 100:g} %")
    return " or ".join(parts) if parts else "±0"


def allowance(pattern: PatternSpec, published: float, estimate: Estimate) -> tuple[float, str]:
    """How far cisim's mean may lie from the published figure, and the arithmetic behind it in words.

    With ``tolerance_se`` (z), the allowance is the published figure's own error (``tolerance``, e.g. reading
    it off a plot) plus z standard errors of the difference between the two figures: cisim's standard error,
    and, where the published figure is itself a mean of ``published_n`` runs, its standard error taken as
    cisim's scaled by sqrt(n / published_n) (the same spread). Otherwise the larger of ``tolerance`` and
    ``tolerance_relative`` x the published figure, fixed.
    """
    if not pattern.tolerance_se:
        allowed = max(pattern.tolerance, pattern.tolerance_relative * abs(published))
        return allowed, f"±{allowed:.3g} (fixed)"
    se = estimate.se
    if math.isnan(se):
        return math.nan, "no standard error"
    if pattern.published_n:
        published_se = se * math.sqrt(estimate.n / pattern.published_n)
        se_difference = math.hypot(se, published_se)
        words = (
            f"SE of the difference sqrt({se:.3g}² + ({se:.3g} x sqrt({estimate.n}/{pattern.published_n}))²) "
            f"= {se_difference:.3g}"
        )
    else:
        se_difference = se
        words = f"cisim's SE {se:.3g} (published figure taken as exact)"
    allowed = pattern.tolerance + pattern.tolerance_se * se_difference
    reading = f"{pattern.tolerance:g} + " if pattern.tolerance else ""
    return allowed, f"±{allowed:.3g} = {reading}{pattern.tolerance_se:g} x {se_difference:.3g}; {words}"


def judge(pattern: PatternSpec, value: Value | None) -> PatternOutcome:
    """Compare cisim's measure with the published figure, row by row for tables."""
    if isinstance(pattern.published, dict):
        table = pattern.published
        if isinstance(value, dict) and any(key in value for key in table):
            # a reduced run (--quick) may measure fewer keys (e.g. fewer rates) than were published
            table = {key: published for key, published in table.items() if key in value}
        rows = [
            _row(pattern, key, published, value.get(key) if isinstance(value, dict) else None)
            for key, published in table.items()
        ]
    elif isinstance(value, dict):
        rows = [_row(pattern, key, pattern.published, estimate) for key, estimate in value.items()]
    else:
        rows = [_row(pattern, None, pattern.published, value)]
    return PatternOutcome(pattern, tuple(rows))


def _row(pattern: PatternSpec, key: str | None, published: Any, estimate: Estimate | None) -> PatternRow:
    if estimate is None or estimate.mean != estimate.mean:  # missing or NaN
        return PatternRow(key, published, estimate, NOT_MEASURED)
    if pattern.check == "close":
        allowed, arithmetic = allowance(pattern, float(published), estimate)
        if math.isnan(allowed):
            return PatternRow(key, published, estimate, NOT_MEASURED, None, arithmetic)
        ok = abs(estimate.mean - float(published)) <= allowed + 1e-12
        return PatternRow(key, published, estimate, REPRODUCED if ok else NOT_REPRODUCED, allowed, arithmetic)
    ok = estimate.low > pattern.threshold if pattern.check == "above" else estimate.high < pattern.threshold
    return PatternRow(key, published, estimate, REPRODUCED if ok else NOT_REPRODUCED)


def run_experiment(
    spec: ValidationSpec,
    driver: Driver,
    quick: bool,
    progress: Callable[[int, str], Any] | None = None,
    executor: Executor | None = None,
    workers: int = 1,
) -> ExperimentOutcome:
    """Run one experiment and judge its patterns.

    Args:
        spec: the validated experiment.
        driver: the reproduction that runs it.
        quick: run the reduced sizes (``[quick]``) instead of the published ones (``[full]``).
        progress: makes a progress bar from a total of runs and a label; it must have ``update(n)`` and
            ``close()``.
        executor: where the problems are solved (e.g. ``cisim.experiments.executors.make_executor``'s); without
            it, one after another in this process. The results are the same either way.
        workers: the executor's workers, which sets how many problems are sent at once.

    Raises:
        ValidationStopped: a problem raised or a worker was lost, naming the experiment and the problem.
    """
    from cisim.experiments.executors import SerialExecutor
    from cisim.experiments.sweep import run_batches

    sizes = spec.sizes(quick)
    problems = driver.problems(spec, sizes)
    bar = progress(sum(p.runs for p in problems), spec.name) if progress else None
    solutions: list[Any] = [None] * len(problems)
    start = time.perf_counter()
    solve = functools.partial(solve_problems, driver, spec)
    try:
        for index, solution in run_batches(
            executor or SerialExecutor(), solve, enumerate(problems), workers, total=len(problems)
        ):
            solutions[index] = solution
            if bar:
                bar.update(problems[index].runs)
    except KeyboardInterrupt:
        raise
    except Exception as error:
        from cisim.experiments.worker import interrupted

        if interrupted(error):  # Ctrl-C inside compiled code, in this process or a worker's
            raise KeyboardInterrupt from None
        raise ValidationStopped(f"{spec.name}: stopped: {error_words(error)}") from error
    finally:
        if bar:
            bar.close()
    measurements = driver.measure(spec, sizes, solutions)
    wall_time = time.perf_counter() - start
    patterns = [judge(p, measurements.estimates.get(p.measure)) for p in spec.patterns]
    return ExperimentOutcome(spec, quick, sizes, wall_time, measurements, patterns)


def solve_problems(driver: Driver, spec: ValidationSpec, batch: list[tuple[int, Problem]]) -> list[tuple[int, Any]]:
    """Solve a batch of numbered problems (what a worker is sent at once); each solution keeps its number.

    A problem that raises is named in the error (its key), so the message says which piece of work failed.
    """
    solved = []
    for index, problem in batch:
        try:
            solved.append((index, driver.solve(spec, problem)))
        except Exception as error:
            raise ProblemFailed(f"problem {problem.key!r} (number {index + 1}): {error_words(error)}") from error
    return solved


class ProblemFailed(RuntimeError):
    """One problem raised; the message names it by its key and gives the error."""


def error_words(error: BaseException) -> str:
    """An error in one line: its message, with the kind of error unless it already names the problem."""
    if isinstance(error, ProblemFailed):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
