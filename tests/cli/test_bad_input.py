"""Generated bad input: malformed scenario files, experiment files and command lines.

Every one must get plain ``error:`` lines naming the file (or option), the field, the value and what was
expected, exit status 2 and no traceback, and must leave results already computed byte for byte as they
were. The fast lane tries a few inputs of each kind; the slow lane (``pytest -m slow``) many more. The
number of inputs generated and handled is printed at the end of the run (see tests/cli/conftest.py).
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cisim.cli import main
from cisim.cli.errors import printable
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep
from cisim.scenarios import PARAMETERS, ScenarioError, load_scenario
from cisim.scenarios.scenario import check_value, show_value

#: Inputs generated and handled, by kind; printed at the end of the test run.
HANDLED: Counter[str] = Counter()

FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER = 'name = "made"\ndescription = "a generated scenario"\n'
SMALL = (
    'name = "small"\ndescription = "small"\n[problem]\nn_elements = 8\nk = 2\n[organizations]\nn_organizations = 4\n'
)
EXPERIMENT = 'name = "gen"\ndescription = "generated"\nscenarios = ["small"]\nreplicates = 2\nsteps = 3\n'
NUMERIC = [p for p in PARAMETERS if p.kind in (int, float)]


@dataclass(frozen=True)
class Mistake:
    """A generated mistake: the text of the file, and what its message must name."""

    text: bytes
    words: tuple[str, ...]


# ------------------------------------------------------------------ the workspace and its finished results
def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A project folder with a scenario library, an experiment and the finished results of a sweep."""
    root = tmp_path_factory.mktemp("workspace")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    (root / "experiments" / "good.toml").write_text(EXPERIMENT)
    results = root / "results" / "good"
    run_sweep(load_experiment(root / "experiments" / "good.toml"), results, executor="serial")
    previous = Path.cwd()
    os.chdir(root)
    try:
        yield root, snapshot(root / "results")
    finally:
        os.chdir(previous)


def check(workspace, kind: str, args: list[str], words: tuple[str, ...]) -> None:
    """Run the command line and check the error: status 2, plain lines, the words named, results untouched."""
    root, before = workspace
    result = CliRunner().invoke(main, args)
    output = result.output
    assert result.exit_code == 2, (args, output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), output
    assert "\n\n" not in output.strip(), output  # one paragraph
    for word in words:
        assert printable(word) in output, (word, output)
    assert snapshot(root / "results") == before, "results already computed were touched"
    HANDLED[kind] += 1


def fresh(root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=root))


# ------------------------------------------------------------------ strategies
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
identifier = st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True)
huge = st.sampled_from([10**18, -(10**18), 9_223_372_036_854_775_807, 1e308, -1e308, 1e-320])
special = st.sampled_from([math.nan, math.inf, -math.inf])


def toml_value(value: object) -> str:
    """A value written as TOML."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def shown(value: object) -> str:
    """How a message shows a value (as the scenario machinery does)."""
    return show_value(value)


@st.composite
def bad_values(draw, parameter):
    """A value ``parameter`` does not accept: a wrong type, out of range, not finite, or huge."""
    options = [st.sampled_from([[1, 2], {"a": 1}]), text.filter(lambda t: t not in (parameter.choices or ()))]
    if parameter.kind is bool:
        options += [st.integers(-5, 5), st.floats(allow_nan=False)]
    else:
        options.append(st.booleans())
    if parameter.kind in (int, float):
        options += [huge, special]
        if parameter.low is not None:
            options.append(st.floats(parameter.low - 1e6, parameter.low, exclude_max=True, allow_nan=False))
        if parameter.high is not None:
            options.append(st.floats(parameter.high, parameter.high + 1e6, exclude_min=True, allow_nan=False))
    if parameter.kind is int:
        options.append(st.floats(0.1, 0.9).map(lambda f: f + 3))
    value = draw(st.one_of(options))
    assume(check_value(parameter, value)[1])  # e.g. 1e-320 is a fine cost: only values refused are mistakes
    return value


@st.composite
def scenario_mistakes(draw) -> Mistake:
    kind = draw(
        st.sampled_from(
            ["value", "unknown field", "unknown section", "broken", "binary", "unicode", "extends", "edges"]
        )
    )
    if kind == "value":
        parameter = draw(st.sampled_from(PARAMETERS))
        value = draw(bad_values(parameter))
        body = f"[{parameter.section}]\n{parameter.name} = {toml_value(value)}\n"
        return Mistake((HEADER + body).encode(), (f"'{parameter.key}'", shown(value), "expected"))
    if kind == "unknown field":
        section = draw(st.sampled_from(sorted({p.section for p in PARAMETERS})))
        name = draw(identifier.filter(lambda n: f"{section}.{n}" not in {p.key for p in PARAMETERS}))
        return Mistake((HEADER + f"[{section}]\n{name} = 1\n").encode(), (f"unknown field '{section}.{name}'",))
    if kind == "unknown section":
        name = draw(identifier.filter(lambda n: n not in {p.section for p in PARAMETERS} | {"name", "description"}))
        return Mistake((HEADER + f"[{name}]\nx = 1\n").encode(), (f"unknown section [{name}]", "sections are"))
    if kind == "broken":
        cut = draw(
            st.sampled_from(["[problem\nk = 2\n", "[problem]\nk = \n", "[problem]\nk 2\n", 'name = "a\n', "= 3\n"])
        )
        return Mistake((HEADER + cut).encode(), ("not valid TOML at line",))
    if kind == "binary":
        data = draw(st.binary(min_size=1, max_size=64))
        assume(not _utf8(data))
        return Mistake(data, ("not a text file", "expected a scenario file in TOML"))
    if kind == "unicode":
        section = draw(st.sampled_from(sorted({p.section for p in PARAMETERS})))
        key = draw(text)
        assume(f"{section}.{key}" not in {p.key for p in PARAMETERS})
        body = f"[{section}]\n{toml_value(key)} = {toml_value(key)}\n"
        return Mistake((HEADER + body).encode(), (f"unknown field '{section}.{key}'",))
    if kind == "extends":
        parent = draw(st.one_of(st.just("made"), st.just("../" * draw(st.integers(1, 4)) + "etc/x"), text))
        assume(parent.strip())
        return Mistake((HEADER + f"extends = {toml_value(parent)}\n").encode(), ("field 'extends'", repr(parent)))
    lines = draw(st.sampled_from(["0 1\nnot an edge\n", "", "0 99\n", "2 2\n", "0 1 2\n", "x y\n"]))
    where = draw(st.sampled_from(["edges.txt", "/dev/zero", "../../../../../../etc/hostname-none", "."]))
    body = f'[communication]\nnetwork = "file"\nnetwork_file = {toml_value(where)}\n'
    return Mistake((HEADER + body).encode(), ("communication.network_file", f"edges:{lines}", where))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def scenario_case(workspace, mistake: Mistake) -> None:
    root, _ = workspace
    folder = fresh(root)
    words = [w for w in mistake.words if not w.startswith("edges:")]
    edges = next((w[len("edges:") :] for w in mistake.words if w.startswith("edges:")), None)
    if edges is not None:
        (folder / "edges.txt").write_text(edges)
        words = words[:1]
    path = folder / "made.toml"
    path.write_bytes(mistake.text)
    try:
        load_scenario(path)
    except ScenarioError:
        pass
    else:
        assume(False)  # the generator made a valid file: nothing to check
    check(
        workspace,
        "scenario files",
        ["run", str(path), "--steps", "1", "--quiet", "--out", str(folder / "o")],
        (str(folder), *words),
    )
    assert not (folder / "o").exists()


@FAST
@given(scenario_mistakes())
def test_malformed_scenario_files(workspace, mistake):
    scenario_case(workspace, mistake)


@pytest.mark.slow
@SLOW
@given(scenario_mistakes())
def test_many_malformed_scenario_files(workspace, mistake):
    scenario_case(workspace, mistake)


def test_circular_extends_are_named(workspace):
    root, _ = workspace
    folder = fresh(root)
    for name, parent in (("a", "b"), ("b", "c"), ("c", "a")):
        (folder / f"{name}.toml").write_text(f'name = "{name}"\ndescription = "d"\nextends = "{parent}"\n')
    check(workspace, "scenario files", ["run", str(folder / "a.toml"), "--quiet"], ("field 'extends'", "in a circle"))


# ------------------------------------------------------------------ experiment files
@st.composite
def experiment_mistakes(draw) -> Mistake:
    kind = draw(st.sampled_from(["top", "arm", "factor", "range", "sample", "table", "unknown", "scenario", "broken"]))
    if kind == "top":
        field = draw(st.sampled_from(["seed", "replicates", "steps"]))
        value = draw(st.one_of(st.integers(-(10**18), 0), text, special, st.booleans(), st.floats(0.1, 0.9)))
        if field == "seed":
            assume(not (isinstance(value, int) and value >= 0))
        text_ = EXPERIMENT.replace("replicates = 2\nsteps = 3\n", "") + f"{field} = {toml_value(value)}\n"
        return Mistake(text_.encode(), (f"'{field}'", shown(value), "expected"))
    if kind == "arm":
        parameter = draw(st.sampled_from(NUMERIC))
        value = draw(bad_values(parameter))
        body = f'[arms.a]\npreset = "collective"\n"{parameter.key}" = {toml_value(value)}\n'
        return Mistake((EXPERIMENT + body).encode(), ("arms.a", parameter.key, shown(value), "expected"))
    if kind == "factor":
        parameter = draw(st.sampled_from(NUMERIC))
        value = draw(bad_values(parameter))
        body = f'[factors]\n"{parameter.key}" = [{toml_value(value)}]\n'
        return Mistake((EXPERIMENT + body).encode(), (f"factors.{parameter.key}", shown(value), "expected"))
    if kind == "range":
        spec = draw(
            st.sampled_from(
                [
                    {"start": 0, "stop": 4, "step": 0},
                    {"start": 4, "stop": 0, "step": 1},
                    {"start": 0.0, "stop": 1.0, "step": 1e-300},
                    {"start": 0, "stop": math.inf, "step": 1},
                    {"start": math.nan, "stop": 1, "step": 1},
                    {"start": 0, "stop": 4},
                    [],
                ]
            )
        )
        return Mistake((EXPERIMENT + f'[factors]\n"problem.k" = {toml_value(spec)}\n').encode(), ("factors.problem.k",))
    if kind == "sample":
        method = draw(st.sampled_from(["lhs", "sobol", "grid", "saltelli"]))
        samples = draw(st.one_of(st.integers(-3, 0), st.just(10), st.just(10**12), text))
        bounds = draw(st.sampled_from([[0.0, 1.0], [1.0, 0.0], [0.0, math.inf], [0.0]]))
        ranges = f'[sample.ranges]\n"conditions.backbone" = {toml_value(bounds)}\n'
        body = f'[sample]\nmethod = "{method}"\nsamples = {toml_value(samples)}\n{ranges}'
        return Mistake((EXPERIMENT + body).encode(), ("sample.", "expected"))
    if kind == "table":
        table = draw(st.sampled_from(["outputs", "stop", "arms", "factors", "sample"]))
        value = draw(st.one_of(st.integers(), text, st.just([1, 2])))
        return Mistake((EXPERIMENT + f"{table} = {toml_value(value)}\n").encode(), (f"'{table}'", shown(value)))
    if kind == "unknown":
        table = draw(st.sampled_from(["", "outputs", "stop"]))
        name = draw(
            identifier.filter(
                lambda n: (
                    n
                    not in {
                        "name",
                        "description",
                        "scenarios",
                        "seed",
                        "replicates",
                        "steps",
                        "arms",
                        "factors",
                        "sample",
                        "outputs",
                        "stop",
                        "series",
                        "agents",
                        "block_size",
                        "outcome_at_least",
                        "patience",
                    }
                )
            )
        )
        body = f"{name} = 1\n" if not table else f"[{table}]\n{name} = 1\n"
        return Mistake((EXPERIMENT + body).encode(), (f"unknown field '{table + '.' if table else ''}{name}'",))
    if kind == "scenario":
        name = draw(st.one_of(text, st.just("../../../etc/passwd"), st.just("/dev/zero"), st.just("missing")))
        body = EXPERIMENT.replace('scenarios = ["small"]', f"scenarios = [{toml_value(name)}]")
        return Mistake(body.encode(), ("field 'scenarios'", repr(name)))
    return Mistake(draw(st.sampled_from([b"name = \n", b"\xff\xfe\x00", b"[arms\n", b"scenarios = [\n"])), ("",))


def experiment_case(workspace, mistake: Mistake) -> None:
    root, _ = workspace
    folder = fresh(root)
    path = folder / "made.toml"
    path.write_bytes(mistake.text)
    try:
        load_experiment(path)
    except ScenarioError:
        pass
    else:
        assume(False)
    # --resume on the folder of a finished sweep: the mistake must stop it before anything is written.
    args = ["sweep", str(path), "--out", str(root / "results" / "good"), "--resume", "--executor", "serial"]
    check(workspace, "experiment files", args, (str(path), *mistake.words))


@FAST
@given(experiment_mistakes())
def test_malformed_experiment_files(workspace, mistake):
    experiment_case(workspace, mistake)


@pytest.mark.slow
@SLOW
@given(experiment_mistakes())
def test_many_malformed_experiment_files(workspace, mistake):
    experiment_case(workspace, mistake)


# ------------------------------------------------------------------ command lines
@st.composite
def bad_command_lines(draw) -> tuple[list[str], tuple[str, ...]]:
    command = draw(st.sampled_from(["run", "compare", "sweep", "show", "new"]))
    base = {
        "run": ["run", "small", "--quiet"],
        "compare": ["compare", "small", "--quiet"],
        "sweep": ["sweep", "experiments/good.toml", "--out", "results/good", "--resume", "--executor", "serial"],
        "show": ["scenarios", "show", "small"],
        "new": ["scenarios", "new", "fresh", "--from", "small"],
    }[command]
    kind = draw(st.sampled_from(["seed", "steps", "replicates", "set", "name", "option", "arm"]))
    if kind in ("seed", "steps", "replicates") and command in ("run", "compare", "sweep"):
        option = "--" + kind
        if (command == "run" and kind == "replicates") or (command == "sweep" and kind == "seed"):
            option = "--steps"
        value = draw(
            st.one_of(
                st.integers(-(10**20), 0 if option != "--seed" else -1).map(str),
                st.sampled_from(["nan", "inf", "1e999", "3.5", "", "ten", "\uff11\uff12", "0x10", str(10**30)]),
                text,
            )
        )
        number = _as_int(value)  # what click would read: a mistake only if it is no number or out of range
        allowed = {
            "--seed": (0, None),
            "--steps": (1, 1_000_000),
            "--replicates": (2 if command == "compare" else 1, None),
        }
        low, high = allowed[option]
        assume(number is None or number < low or (high is not None and number > high))
        return [*base, option, value], (option,)
    if kind == "set" and command != "new":
        parameter = draw(st.sampled_from(NUMERIC))
        value = draw(bad_values(parameter))
        written = toml_value(value)
        raw = draw(st.sampled_from([f"{parameter.key}={written}", parameter.key, f"no.such={written}", "=1"]))
        return [*base, "--set", raw], ("--set",)
    if kind == "name" and command != "sweep":
        name = draw(
            st.one_of(text, st.sampled_from(["../../x", "../scenarios/small", "/etc/passwd", "sm all", "small.toml"]))
        )
        assume(name not in ("small",) and name.strip() and not name.startswith("-"))
        if command == "new":
            assume(not __import__("re").fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name))
            return ["scenarios", "new", name, "--from", "small"], (repr(name),)
        assume(not Path(name).is_file())
        position = 2 if command == "show" else 1
        return [*base[:position], name, *base[position + 1 :]], (repr(name),)
    if kind == "arm" and command in ("run", "compare"):
        arm = draw(text.filter(lambda a: a not in ("scenario", "isolated", "collective")))
        assume(not arm.startswith("-"))
        return [*base, "--arm", arm], ("--arm",)
    option = draw(st.from_regex(r"--[a-z][a-z-]{0,10}", fullmatch=True))
    assume(
        option
        not in {
            "--quiet",
            "--out",
            "--seed",
            "--steps",
            "--arm",
            "--set",
            "--replicates",
            "--force",
            "--resume",
            "--executor",
            "--workers",
            "--scheduler",
            "--max-in-flight",
            "--dry-run",
            "--yes",
            "--folder",
            "--from",
            "--help",
        }
    )
    return [*base, option], (option,)


def _as_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def command_case(workspace, case) -> None:
    args, words = case
    check(workspace, "command lines", args, words)


@FAST
@given(bad_command_lines())
def test_malformed_command_lines(workspace, case):
    command_case(workspace, case)


@pytest.mark.slow
@SLOW
@given(bad_command_lines())
def test_many_malformed_command_lines(workspace, case):
    command_case(workspace, case)
