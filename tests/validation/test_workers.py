"""``cisim validate --workers``: problems spread over worker processes give the record one process gives.

Each problem (a study's replicate, a landscape, a pair of rates) is seeded on its own and its solution is put
back in problem order, so the workers' finishing order cannot show in the results. A problem that fails, or a
worker that dies, stops the command with a plain message that names it; experiments finished before are kept.
"""

from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.validation import drivers, load_validation, run_experiment
from cisim.validation.rivkin_siggelkow import RivkinSiggelkowDriver
from cisim.validation.runner import Problem, ValidationStopped
from cisim.validation.spec import ValidationSpec
from tests.validation.shipped import small_model_experiment


class FailingDriver(RivkinSiggelkowDriver):
    """Rivkin & Siggelkow's driver, except that its third problem raises (module level: a worker unpickles it)."""

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, float]:
        """Raise on the third problem, solve the others."""
        if problem == self.problems(spec, spec.sizes(True))[2]:
            raise ValueError("a landscape no one can climb")
        return super().solve(spec, problem)


class DyingDriver(RivkinSiggelkowDriver):
    """Rivkin & Siggelkow's driver, except that the worker process solving its second problem dies outright."""

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, float]:
        """End the process on the second problem (as an out-of-memory kill would), solve the others."""
        if problem == self.problems(spec, spec.sizes(True))[1]:
            os._exit(9)
        return super().solve(spec, problem)


def small_file(tmp_path, name: str, replicates: int) -> Path:
    text = small_model_experiment(name)
    text, count = re.subn(r"(\[quick\]\s+replicates) = \d+", rf"\1 = {replicates}", text)
    assert count == 1
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def record_without_time(path) -> list[dict]:
    entries = json.loads(path.read_text())
    for entry in entries:
        entry.pop("wall_time_seconds")
    return entries


def test_two_workers_give_the_record_one_process_gives(tmp_path):
    experiments = [str(small_file(tmp_path, name, 5)) for name in ("lazer_friedman_2007", "rivkin_siggelkow_2003")]
    records = {}
    for workers in (1, 2):
        record = tmp_path / f"record-{workers}.json"
        arguments = ["validate", *experiments, "--quick", "--quiet", "--workers", str(workers)]
        result = CliRunner().invoke(main, [*arguments, "--json", str(record), "--out", str(tmp_path / f"o{workers}")])
        assert result.exit_code == 0, result.output
        records[workers] = record_without_time(record)
    assert [entry["name"] for entry in records[1]] == ["lazer_friedman_2007", "rivkin_siggelkow_2003"]
    assert records[2] == records[1]  # every figure, interval and verdict, to the last digit


def test_problems_are_put_back_in_their_order_whatever_order_they_finish_in(tmp_path):
    spec = load_validation(small_file(tmp_path, "rivkin_siggelkow_2003", 4), drivers())
    in_order = run_experiment(spec, drivers()["rivkin_siggelkow"], quick=True)
    finished = []

    class LastFirst(RivkinSiggelkowDriver):
        """Takes longer over its earlier problems, so that on threads the later ones finish first."""

        def solve(self, spec, problem):
            number = self.problems(spec, spec.sizes(True)).index(problem)
            time.sleep(0.02 * (12 - number))
            solution = super().solve(spec, problem)
            finished.append(number)
            return solution

    with ThreadPoolExecutor(max_workers=12) as threads:
        backwards = run_experiment(spec, LastFirst(), quick=True, executor=threads, workers=12)
    assert finished != sorted(finished)
    assert backwards.measurements.estimates == in_order.measurements.estimates
    assert backwards.measurements.measured == in_order.measurements.measured


@pytest.mark.parametrize(
    ("driver", "workers", "message"),
    [
        (FailingDriver(), "1", "ValueError: a landscape no one can climb"),  # in a worker it raises the same
        (DyingDriver(), "2", "BrokenProcessPool"),
    ],
    ids=["a problem raises", "a worker dies"],
)
def test_a_failure_stops_with_a_plain_message_and_keeps_what_finished(tmp_path, monkeypatch, driver, workers, message):
    known = {**drivers(), "rivkin_siggelkow": driver}
    monkeypatch.setattr("cisim.cli.validate.drivers", lambda: known)
    first, failing = small_file(tmp_path, "lazer_friedman_2007", 2), small_file(tmp_path, "rivkin_siggelkow_2003", 3)
    record, out = tmp_path / "v.json", tmp_path / "out"
    arguments = ["validate", str(first), str(failing), "--quick", "--quiet", "--workers", workers]
    result = CliRunner().invoke(main, [*arguments, "--json", str(record), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error: rivkin_siggelkow_2003: stopped: " in result.output and message in result.output
    if isinstance(driver, FailingDriver):  # the problem is named by its key and number
        assert "problem (0.0, " in result.output and "(number 3)" in result.output
    assert f"lazer_friedman_2007) are written to {out / 'report.txt'} and {record}" in result.output
    assert [entry["name"] for entry in json.loads(record.read_text())] == ["lazer_friedman_2007"]


def test_in_this_process_a_failing_problem_is_named_too(tmp_path):
    spec = load_validation(small_file(tmp_path, "rivkin_siggelkow_2003", 3), drivers())
    with pytest.raises(ValidationStopped, match=r"rivkin_siggelkow_2003: stopped: problem .* \(number 3\): ValueError"):
        run_experiment(spec, FailingDriver(), quick=True)
