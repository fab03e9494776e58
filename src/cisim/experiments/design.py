"""Experiments, declared not coded: base scenarios, arms, factors, sampling, replicates, outputs, stop rule.

An experiment file (TOML) is validated with the same care as a scenario file, and expands into a design:
one row per run, each with its position (``run_id``), its scenario, design point, replicate, arm and seed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cisim.experiments.runs import StopRule, replicate_seeds
from cisim.scenarios.library import find_scenario
from cisim.scenarios.scenario import ARMS, Scenario, ScenarioError, check_value, load_scenario, suggest
from cisim.scenarios.schema import BY_KEY

SAMPLING_METHODS = ("lhs", "sobol", "montecarlo", "saltelli", "morris")
TOP_FIELDS = {
    "name": "short name of the experiment",
    "description": "the question it answers",
    "scenarios": "list of base scenarios (names in scenarios/ or paths relative to the experiment file)",
    "seed": "experiment seed (whole number); run seeds derive from it by position",
    "replicates": "paired replicates per design point (whole number of at least 1)",
    "steps": "steps per run (whole number of at least 1; default: each scenario's run.steps)",
    "arms": "table of named coalition designs",
    "factors": "table of parameters varied over a full grid",
    "sample": "sampled factors: method, samples and ranges",
    "outputs": "what to keep besides per-run summaries",
    "stop": "when a run may stop early",
}
DEFAULT_ARMS = {"isolated": {"preset": "isolated"}, "collective": {"preset": "collective"}}


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

    def points(self) -> list[dict[str, Any]]:
        """Design points: the grid of ``factors`` crossed with the sampled points (if any)."""
        keys = list(self.factors)
        grid = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*self.factors.values())]
        if not self.sample:
            return grid
        sampled = sample_points(self.sample, self.seed)
        return [{**g, **s} for g in grid for s in sampled]

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
        """The fully resolved scenario of one design row."""
        base = self.scenarios[row["scenario_index"]]
        arm = next(a for a in self.arms if a.name == row["arm"])
        values = {**arm.overrides, **{k: row[k] for k in self.factor_keys}}
        values = {k: _native(v, BY_KEY[k].kind) for k, v in values.items()}
        return base.with_arm(arm.preset).with_values(**{k.replace(".", "__"): v for k, v in values.items()})

    @property
    def factor_keys(self) -> list[str]:
        """Every parameter the design varies (grid and sampled)."""
        return list(self.factors) + (list(self.sample["ranges"]) if self.sample else [])

    def scenario_hashes(self) -> dict[str, str]:
        """A hash of each base scenario's resolved values, to notice changes before resuming."""
        return {
            s.name: hashlib.sha256(json.dumps(s.values, sort_keys=True).encode()).hexdigest() for s in self.scenarios
        }


def _native(value: Any, kind: type) -> Any:
    if kind is int:
        return round(float(value))
    if kind is float:
        return float(value)
    if kind is bool:
        return bool(value)
    return value


def sample_points(sample: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Sampled design points over the declared ranges (``scipy.stats.qmc``), seeded from the experiment."""
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
def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Raises:
        ScenarioError: one message per problem naming the file, the field, the value and what was expected.
    """
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([f"{where}: no such experiment file"]) from None
    except OSError as error:
        raise ScenarioError([f"{where}: cannot be read ({error})"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError([f"{where}: not valid TOML: {error}"]) from None
    return _parse(data, where, hashlib.sha256(raw).hexdigest(), path.parent)


def _parse(data: dict[str, Any], where: str, sha256: str, folder: Path) -> Experiment:
    problems: list[str] = []

    def problem(field_name: str, value: Any, expected: str) -> None:
        problems.append(f"{where}: field '{field_name}' = {value!r}: expected {expected}")

    for key in data:
        if key not in TOP_FIELDS:
            problems.append(f"{where}: unknown field '{key}'{suggest(key, TOP_FIELDS)}")
    for key in ("name", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            if key in data:
                problem(key, data[key], "non-empty text")
            else:
                problems.append(f"{where}: field '{key}' is missing: expected text ({TOP_FIELDS[key]})")
    seed, replicates, steps = data.get("seed", 0), data.get("replicates", 10), data.get("steps")
    if not _whole(seed, 0):
        problem("seed", seed, "a whole number of at least 0")
    if not _whole(replicates, 1):
        problem("replicates", replicates, "a whole number of at least 1")
    if steps is not None and not _whole(steps, 1):
        problem("steps", steps, "a whole number of at least 1")

    scenarios: list[Scenario] = []
    names = data.get("scenarios")
    if names is None:
        problems.append(f"{where}: field 'scenarios' is missing: expected {TOP_FIELDS['scenarios']}")
    elif not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problem("scenarios", names, "a non-empty list of scenario names or paths")
    else:
        for name in names:
            try:
                scenarios.append(load_scenario(_locate(name, folder)))
            except ScenarioError as error:
                problems += [f"{where}: scenario {name!r}: {p}" for p in error.problems]

    arms = _parse_arms(data.get("arms", DEFAULT_ARMS), where, problems)
    factors = _parse_factors(data.get("factors", {}), where, problems)
    sample = _parse_sample(data.get("sample"), where, problems)
    outputs = data.get("outputs", {})
    series, agents, block_size = False, False, 50
    if not isinstance(outputs, dict):
        problem("outputs", outputs, "a table with series, agents and block_size")
    else:
        for key, value in outputs.items():
            if key in ("series", "agents"):
                if not isinstance(value, bool):
                    problem(f"outputs.{key}", value, "true or false")
            elif key == "block_size":
                if not _whole(value, 1):
                    problem("outputs.block_size", value, "a whole number of at least 1")
            else:
                problems.append(
                    f"{where}: unknown field 'outputs.{key}'{suggest(key, ['series', 'agents', 'block_size'])}"
                )
        series, agents = outputs.get("series", False) is True, outputs.get("agents", False) is True
        block_size = outputs.get("block_size", 50) if _whole(outputs.get("block_size", 50), 1) else 50
    stop = _parse_stop(data.get("stop", {}), where, problems)
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
        stop=stop,
    )
    _check_combinations(experiment, where)
    return experiment


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _locate(name: str, folder: Path) -> Path:
    direct = folder / name
    if direct.is_file():
        return direct
    library = folder.parent / "scenarios"
    if (library / f"{name}.toml").is_file():
        return library / f"{name}.toml"
    return find_scenario(name)


def _check_parameter(key: str, value: Any, label: str, where: str, problems: list[str]) -> Any:
    parameter = BY_KEY.get(key)
    if parameter is None:
        problems.append(f"{where}: unknown parameter '{key}' in {label}{suggest(key, BY_KEY)}")
        return None
    checked, problem = check_value(parameter, value)
    if problem:
        problems.append(f"{where}: field '{label}' has '{key}' = {value!r}: {problem}")
        return None
    if key == "communication.network_file" and checked:
        path = Path(checked) if Path(checked).is_absolute() else Path(where).parent / checked
        if not path.is_file():
            problems.append(f"{where}: field '{label}' has '{key}' = {value!r}: no such file ({path})")
            return None
        checked = str(path)
    return checked


def _parse_arms(arms: Any, where: str, problems: list[str]) -> list[Arm]:
    if not isinstance(arms, dict) or not arms:
        problems.append(f"{where}: field 'arms' = {arms!r}: expected a table of named arms, e.g. [arms.isolated]")
        return []
    parsed = []
    for name, spec in arms.items():
        if not isinstance(spec, dict):
            problems.append(f"{where}: field 'arms.{name}' = {spec!r}: expected a table with a preset and overrides")
            continue
        preset = spec.get("preset", "scenario")
        if preset not in ARMS:
            problems.append(
                f"{where}: field 'arms.{name}.preset' = {preset!r}: expected one of "
                f"{', '.join(repr(a) for a in ARMS)}{suggest(str(preset), ARMS)}"
            )
        overrides = {}
        for key, value in spec.items():
            if key == "preset":
                continue
            checked = _check_parameter(key, value, f"arms.{name}", where, problems)
            if checked is not None:
                overrides[key] = checked
        parsed.append(Arm(name, preset, overrides))
    return parsed


def _parse_factors(factors: Any, where: str, problems: list[str]) -> dict[str, list[Any]]:
    if not isinstance(factors, dict):
        problems.append(f"{where}: field 'factors' = {factors!r}: expected a table of parameter = list or range")
        return {}
    parsed = {}
    for key, spec in factors.items():
        if isinstance(spec, dict):
            unknown = set(spec) - {"start", "stop", "step"}
            numbers: list[Any] = [spec.get(k) for k in ("start", "stop", "step")]
            if (
                unknown
                or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers)
                or numbers[2] <= 0
                or numbers[1] < numbers[0]
            ):
                problems.append(
                    f"{where}: field 'factors.{key}' = {spec!r}: expected a list of values or "
                    "{start = A, stop = B, step = C} with C > 0 and B >= A"
                )
                continue
            start, stop, step = numbers
            count = math.floor((stop - start) / step + 1e-9) + 1
            values = [start + i * step for i in range(count)]
            values = [round(v, 12) for v in values]
        elif isinstance(spec, list) and spec:
            values = spec
        else:
            problems.append(
                f"{where}: field 'factors.{key}' = {spec!r}: expected a non-empty list of values or "
                "{start = A, stop = B, step = C}"
            )
            continue
        checked = [_check_parameter(key, v, f"factors.{key}", where, problems) for v in values]
        if all(c is not None for c in checked):
            parsed[key] = checked
    return parsed


def _parse_sample(sample: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    if sample is None:
        return None
    if not isinstance(sample, dict):
        problems.append(f"{where}: field 'sample' = {sample!r}: expected a table with method, samples and ranges")
        return None
    method, ranges = sample.get("method"), sample.get("ranges")
    samples: Any = sample.get("samples")
    ok = True
    if method not in SAMPLING_METHODS:
        problems.append(
            f"{where}: field 'sample.method' = {method!r}: expected one of "
            f"{', '.join(repr(m) for m in SAMPLING_METHODS)}{suggest(str(method), SAMPLING_METHODS)}"
        )
        ok = False
    if not _whole(samples, 1):
        problems.append(f"{where}: field 'sample.samples' = {samples!r}: expected a whole number of at least 1")
        ok = False
    elif method in ("sobol", "saltelli") and samples & (samples - 1):
        problems.append(
            f"{where}: field 'sample.samples' = {samples!r}: expected a power of 2 for Sobol "
            f"sampling (e.g. {1 << max(0, samples.bit_length() - 1)} or {1 << samples.bit_length()})"
        )
        ok = False
    if not isinstance(ranges, dict) or not ranges:
        problems.append(f"{where}: field 'sample.ranges' = {ranges!r}: expected a table of parameter = [low, high]")
        return None
    for key, bounds in ranges.items():
        parameter = BY_KEY.get(key)
        if parameter is None:
            problems.append(f"{where}: unknown parameter '{key}' in sample.ranges{suggest(key, BY_KEY)}")
            ok = False
            continue
        if parameter.kind not in (int, float):
            problems.append(
                f"{where}: field 'sample.ranges' has '{key}': expected a numeric parameter "
                "(sample choices and switches with [factors] instead)"
            )
            ok = False
            continue
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and bounds[0] < bounds[1]
            and all(check_value(parameter, b)[1] == "" for b in bounds)
        ):
            problems.append(
                f"{where}: field 'sample.ranges' has '{key}' = {bounds!r}: expected [low, high] with "
                f"low < high, each {parameter.expected()}"
            )
            ok = False
    return dict(sample) if ok else None


def _parse_stop(stop: Any, where: str, problems: list[str]) -> StopRule:
    if not isinstance(stop, dict):
        problems.append(f"{where}: field 'stop' = {stop!r}: expected a table with outcome_at_least and/or patience")
        return StopRule()
    for key in stop:
        if key not in ("outcome_at_least", "patience"):
            problems.append(f"{where}: unknown field 'stop.{key}'{suggest(key, ['outcome_at_least', 'patience'])}")
    target, patience = stop.get("outcome_at_least"), stop.get("patience")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float) or not 0 <= target <= 1):
        problems.append(f"{where}: field 'stop.outcome_at_least' = {target!r}: expected a number from 0 to 1")
        target = None
    if patience is not None and not _whole(patience, 1):
        problems.append(f"{where}: field 'stop.patience' = {patience!r}: expected a whole number of at least 1")
        patience = None
    return StopRule(float(target) if target is not None else None, patience)


def _check_combinations(experiment: Experiment, where: str) -> None:
    """Every (scenario, arm, design point) must make a valid scenario; report each distinct problem once."""
    problems: dict[str, None] = {}
    design = experiment.design()
    unique = design.drop_duplicates(["scenario_index", "point", "arm"])
    for row in unique.to_dict("records"):
        try:
            experiment.scenario_for(row)
        except ScenarioError as error:
            for p in error.problems:
                problems[
                    f"{where}: design point {row['point']} of scenario {row['scenario']!r}, arm "
                    f"{row['arm']!r}: {p.split(': ', 1)[-1]}"
                ] = None
    if problems:
        raise ScenarioError(list(problems))
