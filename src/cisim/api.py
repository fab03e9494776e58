"""The Python API, mirroring the command line, for notebooks: results come back as pandas DataFrames."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from numbers import Integral
from pathlib import Path

import pandas as pd

from cisim.experiments.compare import compare_arms
from cisim.experiments.design import load_experiment
from cisim.experiments.executors import ExecutorError
from cisim.experiments.runs import run_model
from cisim.experiments.store import load_results
from cisim.experiments.sweep import SweepError, run_sweep
from cisim.files import InputError
from cisim.scenarios.library import find_scenario
from cisim.scenarios.scenario import Scenario, default_scenario, load_scenario

ScenarioLike = Scenario | str | Path | None

#: The command line's words in the sweep engine's messages, and what a Python caller passes instead (a shell
#: command quoted whole, ``cisim sweep ... --resume``, is left as it is: it works as written).
PYTHON_WORDS = (
    (r"expected --executor dask with it, or no --scheduler", "expected executor='dask' with it, or no scheduler"),
    (r"--executor '([^']*)'", r"executor = '\1'"),
    (r"--scheduler '([^']*)'", r"scheduler = '\1'"),
    (r"--executor is ", "executor is "),
    (r"--executor dask: ", "executor='dask': "),
    (r"--set is ", "overrides is "),
    (r"--steps (\d+) replaces", r"steps=\1 replaces"),
    (r"expected --steps (\S+) to change", r"expected steps=\1 to change"),
    (r"expected --steps N \(", "expected steps=N ("),
    (r"and --steps (\d+)", r"and steps=\1"),
    (r"drop --steps", "drop steps="),
    (r"--(replicates|steps|seed) is ", r"\1 is "),
    (r"--set '([^']*)': ", r"overrides entry '\1': "),
    (r"--set (\S+): ", r"overrides entry '\1': "),
    (r"--set: ", "overrides: "),
    (r"expected --set on a parameter", "expected an override of a parameter"),
    (r"--replicates = ", "replicates = "),
    (r"\(--steps, --set\)", "(steps, overrides)"),
    (r"\(--out\)", "(out=)"),
    (r"another --out", "another out="),
    (r"run again with --resume", "call again with resume=True"),
    (r"run without --resume to start", "call without resume=True to start"),
    (r"Continue with the same command and --resume\.", "Continue with the same call and resume=True."),
    (r"--resume needs the experiment", "resume=True needs the experiment"),
)


def in_python_words(message: str) -> str:
    """A sweep engine's message with the command line's options named as the Python API's arguments."""
    for pattern, replacement in PYTHON_WORDS:
        message = re.sub(pattern, replacement, message)
    return message


@contextlib.contextmanager
def _python_words() -> Iterator[None]:
    """Errors raised inside name the API's arguments (``executor = 'x'``), not the command line's options."""
    try:
        yield
    except (InputError, SweepError, ExecutorError) as error:
        if isinstance(error, InputError):
            error.problems = [in_python_words(problem) for problem in error.problems]
            error.args = ("\n".join(error.problems),)
        elif error.args and isinstance(error.args[0], str):
            error.args = (in_python_words(error.args[0]), *error.args[1:])
        raise


#: Steps per run, as ``run.steps`` and ``--steps`` allow.
MOST_STEPS = 1_000_000


def _whole(function: str, name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as a whole number from ``low`` to ``high``, or a ``TypeError``/``ValueError`` saying what was expected.

    The same bounds as the command line's options (``--seed``, ``--steps``, ``--replicates``, ``--workers``).
    """
    expected = f"a whole number from {low:,} to {high:,}" if high is not None else f"a whole number of at least {low}"
    if isinstance(value, bool) or not isinstance(value, Integral):  # numpy's integers are whole numbers too
        raise TypeError(f"cisim.{function}: {name} = {value!r}: expected {expected}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"cisim.{function}: {name} = {value!r}: expected {expected}")
    return int(value)


def _texts(function: str, name: str, value: object, example: str) -> tuple[str, ...]:
    """``value`` as a tuple of strings, or a ``TypeError``: one string is not a list of them (it is not split)."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"cisim.{function}: {name} = {value!r}: expected a list of strings, e.g. [{example!r}]")
    return tuple(value)


def resolve_scenario(scenario: ScenarioLike, overrides: Sequence[str] = ()) -> Scenario:
    """A ``Scenario`` from a scenario, a name in ``scenarios/``, a path, or ``None`` for the built-in defaults.

    A name (letters, digits, ``_`` and ``-``) is looked up in ``scenarios/`` where you are, then in cisim's own
    library; anything else is a path.

    ``overrides`` are ``"section.name=value"`` strings applied last, validated like the file.
    """
    overrides = _texts("resolve_scenario", "overrides", overrides, "problem.k=3")
    if scenario is None:
        return default_scenario().with_overrides(overrides)
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides) if overrides else scenario
    return load_scenario(find_scenario(scenario), overrides)


def run(scenario: ScenarioLike = None, seed: int = 0, steps: int | None = None, arm: str = "scenario") -> pd.DataFrame:
    """Run one scenario under one arm and return its per-step outputs (one row per step).

    The run's summary (final outcome, area under the curve, time to target, ...) is in ``frame.attrs["summary"]``.

    Example:
        >>> import cisim
        >>> series = cisim.run("scenarios/complex.toml", seed=1, arm="isolated")
        >>> series["community_outcome"].iloc[-1]  # doctest: +SKIP
    """
    seed = _whole("run", "seed", seed, 0)
    steps = None if steps is None else _whole("run", "steps", steps, 1, MOST_STEPS)
    result = run_model(resolve_scenario(scenario).with_arm(arm), seed, steps)
    series = result.series
    series.attrs["summary"] = result.summary
    return series


def _workers(function: str, executor: str, workers: int | None) -> int | None:
    """``workers`` checked as the command line checks ``--workers``: a whole number, and none beyond 1 in serial."""
    if workers is None:
        return None
    workers = _whole(function, "workers", workers, 1)
    if executor == "serial" and workers > 1:
        raise ValueError(
            f"cisim.{function}: workers = {workers} with executor = 'serial', which runs everything in this "
            "process; expected executor='processes' (or 'dask' for a sweep) with it, or no workers"
        )
    return workers


def compare(
    scenario: ScenarioLike = None,
    replicates: int = 20,
    seed: int = 0,
    arms: Sequence[str] = ("isolated", "scenario"),
    steps: int | None = None,
    executor: str = "serial",
    workers: int | None = None,
) -> pd.DataFrame:
    """Run paired replicates of several arms (common random numbers) and return one summary row per run.

    By default, as ``cisim compare`` on the command line, isolated impact against ``scenario``, the scenario's
    own coalition design (for the built-in defaults, full collective impact); ``arms=("isolated", "collective",
    "scenario")`` adds full collective impact (see ``cisim.scenarios.ARMS``). Runs go through the sweep engine:
    ``executor="processes"`` spreads them over ``workers`` processes with identical results. Use
    ``cisim.analysis.paired_difference`` on the result for the paired difference and its interval.
    """
    replicates = _whole("compare", "replicates", replicates, 2, 100_000)  # pairs, as --replicates
    seed = _whole("compare", "seed", seed, 0)
    steps = None if steps is None else _whole("compare", "steps", steps, 1, MOST_STEPS)
    arms = _texts("compare", "arms", arms, "isolated")
    if len(arms) < 2 or len(set(arms)) < len(arms):  # one arm is compared with nothing
        raise ValueError(
            f"cisim.compare: arms = {arms!r}: expected two or more distinct arms, e.g. ('isolated', 'scenario')"
        )
    workers = _workers("compare", executor, workers)
    with _python_words():
        return compare_arms(
            resolve_scenario(scenario), replicates, seed, arms, steps, executor=executor, workers=workers
        ).summaries


def sweep(
    experiment: str | Path,
    out: str | Path | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    replicates: int | None = None,
    steps: int | None = None,
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """Run (or resume) an experiment's sweep and return its per-run results (see ``load_results``).

    ``experiment`` is an experiment file's path or an experiment's name (``coalition_size``: looked up in
    ``experiments/`` here, then among the experiments cisim ships).

    ``replicates``, ``steps`` and ``overrides`` (``"section.name=value"``) change the design as
    ``cisim sweep --replicates/--steps/--set`` do. With ``executor="processes"`` or ``"dask"``, call this
    under ``if __name__ == "__main__":`` in a script, as every use of processes in Python needs.
    """
    overrides = _texts("sweep", "overrides", overrides, "problem.k=3")
    replicates = None if replicates is None else _whole("sweep", "replicates", replicates, 1)
    steps = None if steps is None else _whole("sweep", "steps", steps, 1, MOST_STEPS)
    workers = _workers("sweep", executor, workers)
    with _python_words():
        loaded = load_experiment(experiment, replicates, steps, overrides, resuming=resume)
    if too_large := loaded.too_large("replicates=" if replicates is not None else ""):
        raise ValueError(f"cisim.sweep: {experiment}: the design has {too_large})")
    if out is not None and not isinstance(out, str | Path):
        raise TypeError(f"cisim.sweep: out = {out!r}: expected a folder's path (str or Path), or None for results/NAME")
    if isinstance(out, str) and not out.strip():  # an empty path is the working folder, never meant as one
        raise ValueError(f"cisim.sweep: out = {out!r}: expected a folder's path, or None for results/NAME")
    folder = Path(out) if out is not None else Path("results") / loaded.name
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"cisim.sweep: out = {str(folder)!r}: is a file, not a folder; expected a folder's path")
    if not resume and any((folder / name).exists() for name in ("design.parquet", "manifest.json")):
        raise SweepError(
            f"{folder} already holds a sweep: pass resume=True to continue it (with the replicates, steps and "
            "overrides it started with), or out= for another folder"
        )
    with _python_words():
        run_sweep(loaded, folder, executor, workers, scheduler, resume)
    return load_results(folder)
