"""Experiments, declared not coded: base scenarios, arms, factors, sampling, replicates, outputs, stop rule.

An experiment file (TOML) is validated with the same care as a scenario file, and expands into a design:
one row per run, each with its position (``run_id``), its scenario, design point, replicate, arm and seed.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cisim.experiments.runs import StopRule, replicate_seeds
from cisim.files import PLAIN_NAME, is_plain_name
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.library import find_scenario, is_name
from cisim.scenarios.scenario import (
    ARMS,
    Scenario,
    check_parameter,
    check_value,
    load_scenario,
    override_key,
    read_toml,
    reads_as_scenario,
    show_value,
    suggest,
)
from cisim.scenarios.schema import BY_KEY, CONDITION_KEYS, Parameter

#: Designs larger than this are refused: the design table alone would take gigabytes of memory.
MAX_RUNS = 10_000_000
SAMPLING_METHODS = ("lhs", "sobol", "montecarlo", "saltelli", "morris")
DEFAULT_ARMS = {"isolated": {"preset": "isolated"}, "collective": {"preset": "collective"}}
#: Replicates per design point at most: far more than any sweep can run (``cisim sweep`` refuses designs of
#: over 10 million runs), small enough that every count and estimate stays an ordinary number.
MAX_REPLICATES = 10**12
#: A stepped range or a list gives at most this many values of one factor.
MAX_FACTOR_VALUES = 100_000
#: A factor on a parameter with this prefix (a condition level, or how levels change) applies by default only
#: to the coalition arms, those whose preset is not ``"isolated"``: the isolated arm stays all-zero unless the
#: file names it in ``[factor_arms]``. Every other factor applies to every arm by default.
COALITION_ONLY = "conditions."


def _field(section: str, name: str, kind: type, default: Any, help: str, **limits: Any) -> Parameter:
    return Parameter(section, name, kind, default, help, **limits)


# The experiment file's own fields, described as scenario parameters are (cisim.scenarios.schema), so they
# are checked by the same machinery (check_value) and their mistakes read the same.
TOP_FIELDS: dict[str, Parameter] = {
    p.name: p
    for p in (
        _field("", "name", str, None, "short name of the experiment"),
        _field("", "description", str, None, "the question it answers"),
        _field("", "scenarios", list, None, "base scenarios: names in scenarios/ or paths relative to the file"),
        _field("", "seed", int, 0, "experiment seed; run seeds derive from it by position", low=0),
        _field("", "replicates", int, 10, "paired replicates per design point", low=1),
        _field("", "steps", int, None, "steps per run (default: each scenario's run.steps)", low=1, high=1_000_000),
        _field("", "arms", dict, None, "table of named coalition designs"),
        _field("", "baseline", str, None, "the arm the report compares every other arm with"),
        _field("", "factors", dict, None, "table of parameters varied over a full grid"),
        _field("", "sample", dict, None, "sampled factors: method, samples and ranges"),
        _field("", "factor_arms", dict, None, "table of factor = [names of the arms it applies to]"),
        _field("", "outputs", dict, None, "what to keep besides per-run summaries"),
        _field("", "stop", dict, None, "when a run may stop early"),
    )
}
OUTPUT_FIELDS: dict[str, Parameter] = {
    p.name: p
    for p in (
        _field("outputs", "series", bool, False, "keep every run's per-step series"),
        _field("outputs", "agents", bool, False, "keep every organization's final state"),
        _field("outputs", "block_size", int, 50, "runs per results file", low=1, high=1_000_000),
    )
}
STOP_FIELDS: dict[str, Parameter] = {
    p.name: p
    for p in (
        _field("stop", "outcome_at_least", float, None, "end a run when the outcome reaches this", low=0.0, high=1.0),
        _field("stop", "patience", int, None, "end a run after this many steps without change", low=1, high=1_000_000),
    )
}
SAMPLE_FIELDS: dict[str, Parameter] = {
    p.name: p
    for p in (
        _field("sample", "method", str, None, "how points are sampled", choices=SAMPLING_METHODS),
        _field("sample", "samples", int, None, "points (or base samples, or trajectories)", low=1, high=10_000_000),
        _field("sample", "ranges", dict, None, "table of parameter = [low, high]"),
    )
}


@dataclass(frozen=True)
class Arm:
    """A named coalition design: a preset (one of ``ARMS``) and parameter overrides on top."""

    name: str
    preset: str
    overrides: dict[str, Any]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: everything needed to expand and run its design."""

    name: str
    description: str
    source: str
    sha256: str
    scenarios: tuple[Scenario, ...]
    arms: tuple[Arm, ...]
    factors: dict[str, list[Any]]
    sample: dict[str, Any] | None
    seed: int = 0
    replicates: int = 10
    steps: int | None = None
    series: bool = False
    agents: bool = False
    block_size: int = 50
    stop: StopRule = field(default_factory=StopRule)
    options: dict[str, Any] = field(default_factory=dict)
    factor_arms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    baseline: str | None = None

    def points(self) -> list[dict[str, Any]]:
        """Design points: the grid of ``factors`` crossed with the sampled points (if any)."""
        keys = list(self.factors)
        grid = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*self.factors.values())]
        if not self.sample:
            return grid
        sampled = sample_points(self.sample, self.seed)
        return [{**g, **s} for g in grid for s in sampled]

    def n_points(self) -> int:
        """How many design points there are, counted without building them."""
        grid = math.prod(len(values) for values in self.factors.values())
        return grid * (sampled_count(self.sample) if self.sample else 1)

    def n_runs(self) -> int:
        """How many runs the design has, counted without building it (any size, in no memory)."""
        return len(self.scenarios) * self.n_points() * self.replicates * len(self.arms)

    def too_large(self, given: str = "") -> str:
        """Why the design is too large to sweep (more than ``MAX_RUNS`` runs), in words; ``""`` when it is not.

        ``given`` names where the replicates came from when not from the file (``--replicates``, ``replicates=``).
        """
        runs = self.n_runs()
        if runs <= MAX_RUNS:
            return ""
        given = f" ({given})" if given else ""
        return (
            f"{runs:,} runs ({len(self.scenarios)} scenarios x {self.n_points():,} points x "
            f"{self.replicates:,} replicates{given} x {len(self.arms)} arms); expected at most {MAX_RUNS:,} in "
            "one sweep (fewer replicates or points, or split the experiment"
        )

    def design(self) -> pd.DataFrame:
        """One row per run, in a fixed order: scenario, design point, replicate, arm."""
        rows = []
        seeds = replicate_seeds(self.seed, self.replicates)
        points = self.points()
        for s_index, scenario in enumerate(self.scenarios):
            for p_index, point in enumerate(points):
                for replicate, seed in enumerate(seeds):
                    for arm in self.arms:
                        rows.append(
                            {
                                "scenario": scenario.name,
                                "scenario_index": s_index,
                                "point": p_index,
                                "replicate": replicate,
                                "arm": arm.name,
                                "seed": seed,
                                **point,
                            }
                        )
        design = pd.DataFrame(rows)
        design.insert(0, "run_id", np.arange(len(design)))
        return design

    def scenario_for(self, row: dict[str, Any]) -> Scenario:
        """The fully resolved scenario of one design row: base, arm, then the factors that apply to the arm."""
        base = self.scenarios[row["scenario_index"]]
        arm = next(a for a in self.arms if a.name == row["arm"])
        values = {**arm.overrides, **{k: row[k] for k in self.factor_keys if arm.name in self.arms_of(k)}}
        values = {k: _native(v, BY_KEY[k].kind) for k, v in values.items()}
        return base.with_arm(arm.preset).with_values(**{k.replace(".", "__"): v for k, v in values.items()})

    @property
    def factor_keys(self) -> list[str]:
        """Every parameter the design varies (grid and sampled)."""
        return list(self.factors) + (list(self.sample["ranges"]) if self.sample else [])

    def arms_of(self, key: str) -> tuple[str, ...]:
        """The arms a factor applies to: as ``[factor_arms]`` names them, else ``default_arms_of``."""
        return self.factor_arms.get(key) or default_arms_of(key, self.arms)

    def arm_levels(self) -> list[dict[str, Any]]:
        """Each arm as the manifest records it, with the levels it runs.

        Its preset and overrides, the factors that apply to it, and the ``conditions.*`` values it holds in
        each base scenario (those no factor varies for it).
        """
        described = []
        for arm in self.arms:
            factors = [k for k in self.factor_keys if arm.name in self.arms_of(k)]
            levels = {}
            for scenario in self.scenarios:
                values = {**scenario.with_arm(arm.preset).values, **arm.overrides}
                levels[scenario.name] = {
                    k: v for k, v in values.items() if k.startswith(COALITION_ONLY) and k not in factors
                }
            described.append(
                {
                    "name": arm.name,
                    "preset": arm.preset,
                    "overrides": arm.overrides,
                    "factors": factors,
                    "levels": levels,
                }
            )
        return described

    def scenario_hashes(self) -> dict[str, str]:
        """A hash of each base scenario's resolved values, to notice changes before resuming."""
        return {
            s.name: hashlib.sha256(json.dumps(s.values, sort_keys=True).encode()).hexdigest() for s in self.scenarios
        }


def default_arms_of(key: str, arms: tuple[Arm, ...] | list[Arm]) -> tuple[str, ...]:
    """The arms a factor applies to when the file does not say.

    Every arm, except that a factor on a ``conditions.*`` parameter skips the arms whose preset is
    ``"isolated"``.
    """
    if key.startswith(COALITION_ONLY):
        return tuple(a.name for a in arms if a.preset != "isolated")
    return tuple(a.name for a in arms)


def _native(value: Any, kind: type) -> Any:
    if kind is int:
        return round(float(value))
    if kind is float:
        return float(value)
    if kind is bool:
        return bool(value)
    return value


def sampled_count(sample: dict[str, Any]) -> int:
    """How many points a [sample] table gives (Saltelli: N x (D + 2); Morris: r x (D + 1); else N)."""
    n, d = sample["samples"], len(sample["ranges"])
    return {"saltelli": n * (d + 2), "morris": n * (d + 1)}.get(sample["method"], n)


def sample_points(sample: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Sampled design points over the declared ranges (``scipy.stats.qmc``), seeded from the experiment.

    A whole-number parameter of a Latin hypercube, Sobol or Monte Carlo sample takes each value of its
    range equally often in expectation (a Latin hypercube of n points over a range of n values takes each
    once). Saltelli and Morris points are SALib's, rounded: their analyses need SALib's own points.
    """
    keys = list(sample["ranges"])
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    d, n = len(keys), sample["samples"]
    low = np.array([sample["ranges"][k][0] for k in keys], dtype=float)
    high = np.array([sample["ranges"][k][1] for k in keys], dtype=float)
    if sample["method"] in ("saltelli", "morris"):
        scaled = salib_sample(sample, seed)
    else:
        if sample["method"] == "lhs":
            unit = qmc.LatinHypercube(d=d, rng=rng).random(n)
        elif sample["method"] == "sobol":
            unit = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(int(math.log2(n)))
        else:
            unit = rng.random((n, d))
        scaled = qmc.scale(unit, low, high) if d else unit
        # A whole-number range [a, b] is b - a + 1 values, each drawn alike: the unit interval is cut into that
        # many equal parts (rounding a scaled value would give a and b half the share of the values between).
        for j, key in enumerate(keys):
            if BY_KEY[key].kind is int:
                count = math.floor(high[j]) - math.ceil(low[j]) + 1
                scaled[:, j] = math.ceil(low[j]) + np.minimum(np.floor(unit[:, j] * count), count - 1)
    return [{k: _native(v, BY_KEY[k].kind) for k, v in zip(keys, row, strict=True)} for row in scaled]


def salib_problem(sample: dict[str, Any]) -> dict[str, Any]:
    """The sampled factors as a SALib problem definition."""
    keys = list(sample["ranges"])
    return {"num_vars": len(keys), "names": keys, "bounds": [list(map(float, sample["ranges"][k])) for k in keys]}


def salib_sample(sample: dict[str, Any], seed: int) -> np.ndarray:
    """Points of a Saltelli design (for Sobol indices) or Morris trajectories, in SALib's order.

    ``samples`` is the base sample size N (Saltelli: N x (D + 2) points, first-order and total indices) or the
    number of trajectories r (Morris: r x (D + 1) points, 4 levels). The order is the one SALib's analysis
    expects; the design keeps it.
    """
    from SALib.sample import morris, sobol

    problem = salib_problem(sample)
    if sample["method"] == "saltelli":
        return sobol.sample(problem, sample["samples"], calc_second_order=False, seed=seed)
    return morris.sample(problem, sample["samples"], num_levels=4, seed=seed)


# ---------------------------------------------------------------------- loading and validation
#: Where experiment names are looked up first: ``experiments/`` in the folder a command runs in.
EXPERIMENTS = Path("experiments")


def experiment_folders() -> list[Path]:
    """Where experiment names are looked up: ``experiments/`` here, then the experiments cisim ships."""
    from cisim.shipped import look_in

    return look_in(EXPERIMENTS, "experiments")


def find_experiment(given: str | Path) -> Path:
    """An experiment file: a path as given, or a name looked up in ``experiments/`` here, then in cisim's own.

    A name (letters, digits, ``_`` and ``-``, as scenario names) that is not a file where the command runs is
    only ever looked up in ``experiment_folders``; anything else is a path and is read as given.

    Raises:
        ScenarioError: no experiment of that name, with the closest names there.
    """
    from cisim.scenarios.scenario import suggest

    text = str(given)
    if Path(text).is_file():
        return Path(text)
    folders = experiment_folders()
    if not is_name(text):  # a path; where it names no file but its name is an experiment's, say so
        stem = Path(text).stem
        if text.endswith(".toml") and is_name(stem) and any((f / f"{stem}.toml").is_file() for f in folders):
            raise ScenarioError(
                [
                    f"{text}: no such experiment file; expected the path of one, or an experiment's name: "
                    f"'{stem}' is one (cisim sweep {stem})"
                ]
            )
        return Path(text)
    for folder in folders:
        if (candidate := folder / f"{text}.toml").is_file():
            return candidate
    names = sorted({p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.toml") if p.is_file()})
    where = " or ".join(str(folder) for folder in folders)
    raise ScenarioError(
        [
            f"{text!r}: no experiment of that name in {where}; expected the name of an experiment file there or "
            f"the path of one{suggest(text, names) or _one_of(names)}"
        ]
    )


def _one_of(names: list[str]) -> str:
    """The experiments there, for a name that is close to none of them."""
    return f"; the experiments there: {', '.join(names)}" if names else ""


def load_experiment(
    path: str | Path,
    replicates: int | None = None,
    steps: int | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    resuming: bool = False,
) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: the experiment file, or an experiment's name (``find_experiment``).
        replicates: replaces the file's ``replicates`` (``cisim sweep --replicates``).
        steps: replaces the file's ``steps`` (``cisim sweep --steps``).
        overrides: ``"section.name=value"`` applied to every base scenario after its file (``--set``).
        resuming: for ``--resume``: what the sweep started with is kept, though a newer check would refuse it
            (``run.steps`` set beside ``steps``, refused since 7 December 2026).

    Raises:
        ScenarioError: one message per problem naming the file, the field, the value and what was expected.
    """
    path = find_experiment(path)
    data, raw = read_toml(path, "experiment file")
    options = {"replicates": replicates, "steps": steps, "overrides": list(overrides)}
    # Hashed without a byte-order mark: saving an unchanged file in Notepad adds one, and the design is the same.
    digest = hashlib.sha256(raw.removeprefix(codecs.BOM_UTF8)).hexdigest()
    return _parse(data, str(path), digest, path.parent, options, resuming)


def _parse(
    data: dict[str, Any], where: str, sha256: str, folder: Path, options: dict[str, Any], resuming: bool = False
) -> Experiment:
    if reads_as_scenario(data):
        raise ScenarioError(
            [
                f"{where}: is a scenario file, not an experiment file; expected an experiment file (see experiments/). "
                f"To compare its coalition design with isolated impact, run: cisim compare {where}"
            ]
        )
    problems: list[str] = []
    _unknown(data, TOP_FIELDS, "", where, problems)
    for key in ("name", "description"):
        if key not in data:
            problems.append(f"{where}: field '{key}' is missing: expected text ({TOP_FIELDS[key].help})")
        elif not isinstance(data[key], str) or not data[key].strip():
            problems.append(f"{where}: field '{key}' = {show_value(data[key])}: expected non-empty text")
        elif key == "name" and not is_plain_name(data[key]):  # it names the results folder
            problems.append(f"{where}: field 'name' = {data[key]!r}: expected {PLAIN_NAME}")
    seed = _checked(TOP_FIELDS["seed"], data, where, problems)
    replicates = _checked(TOP_FIELDS["replicates"], data, where, problems)
    steps = _checked(TOP_FIELDS["steps"], data, where, problems)
    for option in ("replicates", "steps"):  # command-line values replace the file's, checked alike
        if options[option] is not None:
            given = _checked(TOP_FIELDS[option], {option: options[option]}, f"--{option}", problems)
            replicates, steps = (given, steps) if option == "replicates" else (replicates, given)
    if isinstance(replicates, int) and replicates > MAX_REPLICATES:
        given = options["replicates"] is not None
        digits = len(str(replicates))
        problems.append(
            f"{'--replicates' if given else where + ': field ' + repr('replicates')} = a number of {digits} digits: "
            f"expected a whole number from 1 to {MAX_REPLICATES:,}"
        )
        replicates = 1
    scenarios = _parse_scenarios(data, where, folder, options["overrides"], problems)
    arms = _parse_arms(data.get("arms", DEFAULT_ARMS), where, problems)
    factors = _parse_factors(data.get("factors", {}), where, problems)
    sample = _parse_sample(data.get("sample"), where, problems)
    factor_arms = _parse_factor_arms(data, arms, where, problems)
    for key in sorted(set(factors) & set((sample or {}).get("ranges", {}))):
        problems.append(
            f"{where}: field 'factors.{key}' and field 'sample.ranges.{key}': the same parameter in both; "
            "expected each parameter either on the grid [factors] or sampled [sample.ranges], not both"
        )
    _check_scenario_names(scenarios, where, problems)
    _check_unused_overrides(options["overrides"], factors, sample, arms, where, problems)
    if not resuming:
        _check_steps_set_once(steps, options, factors, sample, arms, where, problems)
    outputs = _table(data, "outputs", where, problems)
    _unknown(outputs, OUTPUT_FIELDS, "outputs.", where, problems)
    series, agents, block_size = (_checked(OUTPUT_FIELDS[k], outputs, where, problems) for k in OUTPUT_FIELDS)
    stop_table = _table(data, "stop", where, problems)
    _unknown(stop_table, STOP_FIELDS, "stop.", where, problems)
    target, patience = (_checked(STOP_FIELDS[k], stop_table, where, problems) for k in STOP_FIELDS)
    baseline = data.get("baseline")
    names = [arm.name for arm in arms]
    if baseline is not None and baseline not in names:
        problems.append(
            f"{where}: field 'baseline' = {show_value(baseline)}: expected the name of one of the arms "
            f"({', '.join(names)})"
        )
    if problems:
        raise ScenarioError(problems)
    experiment = Experiment(
        name=data["name"],
        description=data["description"],
        source=where,
        sha256=sha256,
        scenarios=tuple(scenarios),
        arms=tuple(arms),
        factors=factors,
        sample=sample,
        seed=seed,
        replicates=replicates,
        steps=steps,
        series=series,
        agents=agents,
        block_size=block_size,
        stop=StopRule(target, patience),
        options=options,
        factor_arms=factor_arms,
        baseline=baseline,
    )
    _check_combinations(experiment, where)
    return experiment


def _label(parameter: Parameter) -> str:
    return parameter.key if parameter.section else parameter.name


def _checked(parameter: Parameter, table: dict[str, Any], where: str, problems: list[str]) -> Any:
    """The value of one of the file's own fields, checked like a scenario parameter (its default if absent)."""
    if parameter.name not in table:
        return parameter.default
    value = table[parameter.name]
    if parameter.kind in (list, dict):
        if isinstance(value, parameter.kind) and value:
            return value
        expected = "a non-empty list" if parameter.kind is list else f"a table of at least one entry ({parameter.help})"
        problems.append(f"{where}: field '{_label(parameter)}' = {show_value(value)}: expected {expected}")
        return parameter.default
    checked, problem = check_value(parameter, value)
    if problem:
        problems.append(f"{where}: field '{_label(parameter)}' = {show_value(value)}: {problem}")
        return parameter.default
    return checked


def _check_unused_overrides(
    overrides: list[str],
    factors: dict[str, Any],
    sample: dict[str, Any] | None,
    arms: list[Arm],
    where: str,
    problems: list[str],
) -> None:
    """A ``--set`` no run would use is refused: the design or every arm sets that parameter after it.

    ``--set`` changes the base scenarios; each arm's preset and overrides and then the design's factors
    are applied on top, so a value the design varies, or a condition every arm sets, never reaches a run,
    and a report that quoted it would say the runs used it.
    """
    sampled = (sample or {}).get("ranges", {})
    for override in overrides:
        key = override_key(override)
        if key in factors or key in sampled:
            table = "[factors]" if key in factors else "[sample.ranges]"
            problems.append(
                f"--set {override}: {key} is varied by {where} ({table}), whose values replace it at every design "
                f"point, so no run would use it; expected --set on a parameter the design does not vary, or the "
                f"values changed in {table}"
            )
        elif key in CONDITION_KEYS and all(arm.preset != "scenario" or key in arm.overrides for arm in arms):
            problems.append(
                f"--set {override}: every arm of {where} sets {key} itself (its preset or overrides: "
                f"{', '.join(f'{arm.name} = {arm.preset}' for arm in arms)}), so no run would use it; expected a "
                'condition level in the arms\' own tables, or an arm with preset = "scenario"'
            )


def _check_steps_set_once(
    steps: int | None,
    options: dict[str, Any],
    factors: dict[str, Any],
    sample: dict[str, Any] | None,
    arms: list[Arm],
    where: str,
    problems: list[str],
) -> None:
    """With the experiment's ``steps`` (or ``--steps``) set, nothing else may set ``run.steps`` to another value.

    ``steps`` replaces every scenario's ``run.steps`` when the runs are made, so a ``--set``, a factor, a
    sampled range or an arm's override of ``run.steps`` would never reach a run, and the manifest and report,
    which quote the scenario's values, would say the runs used it. A ``--set`` of the same number changes
    nothing and is let be; one on a parameter the design varies is refused already (``_check_unused_overrides``).
    """
    if steps is None:
        return
    given = options["steps"] is not None
    source = f"--steps {steps}" if given else f"field 'steps' = {steps}"
    drop = "drop --steps" if given else "remove 'steps'"
    key = "run.steps"
    ranges = (sample or {}).get("ranges", {})
    for override in options["overrides"]:
        if override_key(override) != key or key in factors or key in ranges:
            continue
        value = override.partition("=")[2].strip()
        if value.isdigit() and int(value) == steps:
            continue
        advice = f"--steps {value}" if value.isdigit() and int(value) > 0 else "--steps N (a whole number from 1)"
        problems.append(
            f"--set '{override}': {source if given else where + ': ' + source} replaces every scenario's {key}, "
            f"so no run would use it; expected {advice} to change the steps per run"
        )
    for table, keys in (("factors", factors), ("sample.ranges", ranges)):
        if key in keys:
            problems.append(
                f"{where}: field '{table}.{key}' and {source}: the steps per run set twice, and {source} would "
                f"replace every value of '{table}.{key}'; expected one of them ({drop} to vary {key})"
            )
    for arm in arms:
        if key in arm.overrides:
            problems.append(
                f"{where}: field 'arms.{arm.name}.{key}' and {source}: the steps per run set twice, and {source} "
                f"would replace the arm's; expected one of them ({drop} to give the arm its own)"
            )


#: What other tools call an experiment file's fields (Mesa's batch_run, NetLogo's BehaviorSpace, grid
#: searches), for a file written from habit: the unknown field is named with the field cisim reads instead.
OTHER_NAMES = {
    "grid": "factors",
    "parameters": "factors",
    "variable_parameters": "factors",
    "params": "factors",
    "iterations": "replicates",
    "repetitions": "replicates",
    "max_steps": "steps",
    "scenario": "scenarios",
    "seeds": "seed",
}


def _unknown(table: dict[str, Any], known: dict[str, Parameter], prefix: str, where: str, problems: list[str]) -> None:
    for key in table:
        if key not in known:
            other = OTHER_NAMES.get(str(key)) if not prefix else None
            hint = f" (cisim calls it '{other}')" if other in known else suggest(str(key), known)
            problems.append(f"{where}: unknown field '{prefix}{key}'{hint}")


def _table(data: dict[str, Any], key: str, where: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if isinstance(value, dict):
        return value
    problems.append(f"{where}: field '{key}' = {show_value(value)}: expected a table [{key}] ({TOP_FIELDS[key].help})")
    return {}


def _parse_scenarios(
    data: dict[str, Any], where: str, folder: Path, overrides: list[str], problems: list[str]
) -> list[Scenario]:
    names = data.get("scenarios")
    if names is None:
        problems.append(f"{where}: field 'scenarios' is missing: expected {TOP_FIELDS['scenarios'].help}")
        return []
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        problems.append(
            f"{where}: field 'scenarios' = {show_value(names)}: expected a non-empty list of scenario names or paths"
        )
        return []
    scenarios = []
    for name in names:
        try:
            scenarios.append(load_scenario(_locate(name, folder), overrides))
        except ScenarioError as error:
            for problem in error.problems:  # a bad --set is the command line's, whichever scenario it met first
                said = problem if problem.startswith("--set") else f"{where}: field 'scenarios' has {name!r}: {problem}"
                if said not in problems:
                    problems.append(said)
    return scenarios


def _check_scenario_names(scenarios: list[Scenario], where: str, problems: list[str]) -> None:
    """Base scenarios are told apart by name (hashes, resumes, analysis): two of one name are refused."""
    sources: dict[str, list[str]] = {}
    for scenario in scenarios:
        sources.setdefault(scenario.name, []).append(scenario.source)
    for name, files in sources.items():
        if len(files) > 1:
            problems.append(
                f"{where}: field 'scenarios': {len(files)} base scenarios are named {name!r} ({', '.join(files)}); "
                "expected each base scenario to have its own name (results, hashes and analysis tell them apart "
                "by it)"
            )


def _locate(name: str, folder: Path) -> Path:
    """A base scenario: a name in the library beside the experiments folder (or ./scenarios), or a path."""
    if not is_name(name):
        return folder / name
    library = folder.parent / "scenarios"
    if (library / f"{name}.toml").is_file():
        return library / f"{name}.toml"
    return find_scenario(name)


def _parse_arms(arms: Any, where: str, problems: list[str]) -> list[Arm]:
    if not isinstance(arms, dict) or not arms:
        problems.append(
            f"{where}: field 'arms' = {show_value(arms)}: expected a table of named arms, e.g. [arms.isolated]"
        )
        return []
    preset_field = _field("arms", "preset", str, "scenario", "coalition design", choices=tuple(ARMS))
    parsed = []
    for name, spec in arms.items():
        if not isinstance(spec, dict):
            problems.append(
                f"{where}: field 'arms.{name}' = {show_value(spec)}: expected a table with a preset and overrides"
            )
            continue
        preset, problem = check_value(preset_field, spec.get("preset", "scenario"))
        if problem:
            problems.append(f"{where}: field 'arms.{name}.preset' = {show_value(preset)}: {problem}")
        overrides = {}
        for key, value in spec.items():
            if key != "preset" and "." not in key:  # not a section.name parameter: a misspelt preset, most likely
                problems.append(
                    f"{where}: field 'arms.{name}' has '{key}': unknown field{suggest(key, ['preset'])}; expected "
                    "preset = NAME and section.name = value overrides"
                )
            elif key != "preset":
                checked, problem = check_parameter(key, value, where, f"field 'arms.{name}' has '{key}'")
                if problem:
                    problems.append(problem)
                else:
                    overrides[key] = checked
        parsed.append(Arm(name, preset, overrides))
    return parsed


def _parse_factors(factors: Any, where: str, problems: list[str]) -> dict[str, list[Any]]:
    if not isinstance(factors, dict):
        problems.append(
            f"{where}: field 'factors' = {show_value(factors)}: expected a table of parameter = list or range"
        )
        return {}
    parsed = {}
    for key, spec in factors.items():
        label = f"field 'factors.{key}'"
        if key not in BY_KEY:
            problems.append(f"{where}: {label}: unknown parameter '{key}'{suggest(key, BY_KEY)}")
            continue
        values = _factor_values(spec)
        if isinstance(values, str):
            problems.append(f"{where}: {label} = {show_value(spec)}: {values}")
            continue
        checked = [check_parameter(key, v, where, f"{label} has '{key}'") for v in values]
        bad = [problem for _, problem in checked if problem]
        problems += list(dict.fromkeys(bad))
        if bad:
            continue
        values = [value for value, _ in checked]
        # Checked values have the parameter's type, so 2 and 2.0 are one level; a set keeps 100,000 levels quick.
        seen: set[Any] = set()
        twice = None
        for value in values:
            if value in seen:
                twice = value
                break
            seen.add(value)
        if twice is not None:
            problems.append(
                f"{where}: {label} = {show_value(spec)}: value {show_value(twice)} given twice; expected "
                "distinct values (the same level twice would run twice on the same seeds and count twice)"
            )
            continue
        parsed[key] = values
    return parsed


def _parse_factor_arms(
    data: dict[str, Any], arms: list[Arm], where: str, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    """``[factor_arms]``: the arms each named factor applies to; every factor must apply to some arm."""
    table = _table(data, "factor_arms", where, problems)
    factors = data.get("factors")
    sample = data.get("sample")
    ranges = sample.get("ranges") if isinstance(sample, dict) else None
    varied = [*(factors if isinstance(factors, dict) else {}), *(ranges if isinstance(ranges, dict) else {})]
    if not arms:  # the arms themselves are wrong, and said so
        return {}
    declared = [a.name for a in arms]
    expected = f"expected a non-empty list of this experiment's arms ({', '.join(declared)})"
    parsed = {}
    for key, names in table.items():
        label = f"field 'factor_arms.{key}'"
        if key not in varied:
            known = ", ".join(varied) if varied else "none"
            problems.append(
                f"{where}: {label}: '{key}' is not a factor of this experiment: expected a parameter of "
                f"[factors] or [sample.ranges] ({known}){suggest(str(key), varied)}"
            )
            continue
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            problems.append(f"{where}: {label} = {show_value(names)}: {expected}")
            continue
        wrong = [n for n in names if n not in declared]
        for name in wrong:
            problems.append(f"{where}: {label} has {name!r}: {expected}{suggest(name, declared)}")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(f"{where}: {label} = {show_value(names)}: names {', '.join(map(repr, repeated))} twice")
        if not wrong and not repeated:
            parsed[key] = tuple(n for n in declared if n in names)
    for key in varied:
        if key not in parsed and key in BY_KEY and not default_arms_of(key, arms):
            section = "factors" if isinstance(factors, dict) and key in factors else "sample.ranges"
            problems.append(
                f"{where}: field '{section}.{key}' applies to no arm: a factor on a condition applies only to "
                f"arms whose preset is not 'isolated', and every arm here ({', '.join(declared)}) has that preset; "
                f'name the arms it applies to in [factor_arms], e.g. "{key}" = ["{declared[-1]}"]'
            )
    return parsed


def _factor_values(spec: Any) -> list[Any] | str:
    """A factor's values from a list or a ``{start, stop, step}`` range, or what is wrong with it."""
    expected = (
        "expected a non-empty list of values or {start = A, stop = B, step = C} with C > 0 and B >= A, "
        f"giving at most {MAX_FACTOR_VALUES:,} values"
    )
    if isinstance(spec, list):
        return spec if 0 < len(spec) <= MAX_FACTOR_VALUES else expected
    if isinstance(spec, dict) and {"start", "stop", "step"} < set(spec):
        extra = ", ".join(sorted(set(spec) - {"start", "stop", "step"}))
        return f"unknown key{'s' if ',' in extra else ''} {extra} in the range; {expected}"
    if not isinstance(spec, dict) or set(spec) != {"start", "stop", "step"}:
        return expected
    start, stop, step = (spec[k] for k in ("start", "stop", "step"))
    numbers = (start, stop, step)
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in numbers):
        return expected
    if step <= 0 or stop < start or (stop - start) / step + 1 > MAX_FACTOR_VALUES:
        return expected
    count = math.floor((stop - start) / step + 1e-9) + 1
    return [round(start + i * step, 12) for i in range(count)]


def _parse_sample(sample: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    if sample is None:
        return None
    if not isinstance(sample, dict):
        problems.append(
            f"{where}: field 'sample' = {show_value(sample)}: expected a table with method, samples and ranges"
        )
        return None
    before = len(problems)
    _unknown(sample, SAMPLE_FIELDS, "sample.", where, problems)
    for key in SAMPLE_FIELDS:
        if key not in sample:
            problems.append(f"{where}: field 'sample.{key}' is missing: expected {SAMPLE_FIELDS[key].help}")
    method, samples, ranges = (_checked(SAMPLE_FIELDS[k], sample, where, problems) for k in SAMPLE_FIELDS)
    if method in ("sobol", "saltelli") and isinstance(samples, int) and samples & (samples - 1):
        problems.append(
            f"{where}: field 'sample.samples' = {samples!r}: expected a power of 2 for Sobol "
            f"sampling (e.g. {1 << max(0, samples.bit_length() - 1)} or {1 << samples.bit_length()})"
        )
    for key, bounds in (ranges or {}).items():
        label = f"field 'sample.ranges.{key}'"
        parameter = BY_KEY.get(key)
        if parameter is None:
            problems.append(f"{where}: {label}: unknown parameter '{key}'{suggest(key, BY_KEY)}")
        elif parameter.kind not in (int, float):
            problems.append(
                f"{where}: {label}: expected a numeric parameter ('{key}' is {parameter.expected()}; "
                "vary choices and switches with [factors] instead)"
            )
        elif not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(check_value(parameter, b)[1] == "" for b in bounds)
            and bounds[0] < bounds[1]
        ):
            problems.append(
                f"{where}: {label} = {show_value(bounds)}: expected [low, high] with low < high, "
                f"each {parameter.expected()}"
            )
    return dict(sample) if len(problems) == before else None


#: At most this many (scenario, design point, arm) combinations are built to check them when the file is
#: loaded; beyond it, a spread of them is, and any other that cannot be built fails as a recorded run.
CHECKED_COMBINATIONS = 5_000
#: Sampled ranges up to this many are checked at every corner (2**n); beyond it, at 2n + 2 of them.
ALL_CORNERS_UP_TO = 6


def _check_combinations(experiment: Experiment, where: str) -> None:
    """Every (scenario, arm, design point) must make a valid scenario; report each distinct problem once.

    Grid points are checked one by one (a spread of them past ``CHECKED_COMBINATIONS``); sampled ranges at
    their corners, where limits between parameters (k below n_elements, regions at most organizations)
    are tightest. Nothing here grows with the replicates or the number of samples.
    """
    corners: list[dict[str, Any]] = [{}]
    if experiment.sample:
        ranges = experiment.sample["ranges"]
        if len(ranges) <= ALL_CORNERS_UP_TO:
            corners = [dict(zip(ranges, c, strict=True)) for c in itertools.product(*ranges.values())]
        else:  # the two extreme corners, and each range at one end with the others at the other
            low, high = {k: b[0] for k, b in ranges.items()}, {k: b[1] for k, b in ranges.items()}
            corners = [low, high, *({**low, k: high[k]} for k in ranges), *({**high, k: low[k]} for k in ranges)]
    # the whole check builds at most CHECKED_COMBINATIONS scenarios, whatever the grid, corners and arms
    per_grid_point = len(corners) * len(experiment.arms) * len(experiment.scenarios)
    grid = _grid_spread(list(experiment.factors.values()), max(2, CHECKED_COMBINATIONS // per_grid_point))
    problems: dict[str, None] = {}
    keys = list(experiment.factors)
    for s_index, scenario in enumerate(experiment.scenarios):
        for combo in grid:
            for corner in corners:
                for arm in experiment.arms:
                    row = {"scenario_index": s_index, "arm": arm.name, **dict(zip(keys, combo, strict=True)), **corner}
                    try:
                        experiment.scenario_for(row)
                    except ScenarioError as error:
                        at = ", ".join(f"{k} = {show_value(row[k])}" for k in experiment.factor_keys)
                        for p in error.problems:
                            problems[
                                f"{where}: scenario {scenario.name!r}, arm {arm.name!r}"
                                + (f", at {at}" if at else "")
                                + f": {p.split(': ', 1)[-1]}"
                            ] = None
    if problems:
        raise ScenarioError(list(problems)[:20])


def _grid_spread(values: list[list[Any]], limit: int) -> list[tuple[Any, ...]]:
    """``limit`` points of the grid of ``values`` spread evenly in its order, ends included, never building it.

    A grid of 10^8 points is indexed, not listed: point ``i`` is read digit by digit in mixed radix.
    """
    sizes = [len(v) for v in values]
    total = math.prod(sizes)
    if total <= limit:
        return list(itertools.product(*values))
    chosen = []
    for i in range(limit):
        index = round(i * (total - 1) / (limit - 1))
        digits = []
        for size in reversed(sizes):
            index, digit = divmod(index, size)
            digits.append(digit)
        chosen.append(tuple(v[d] for v, d in zip(values, reversed(digits), strict=True)))
    return chosen
