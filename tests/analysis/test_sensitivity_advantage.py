"""With several arms, sensitivity can explain an arm's advantage, and the report's figure and table do.

A comparison asks how the advantage moves with each factor; indices of one arm's own outcome answer another
question (a factor can move both arms alike and leave the advantage where it was). The report, ``cisim plot``
and ``cisim sensitivity --baseline`` give the advantage's indices, the same ones ``cisim analyze`` prints.
"""

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.analysis.pooled import pooled
from cisim.analysis.results import Results
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep

SAMPLED = """name = "sampled_pair"
description = "isolated against collective over a Latin hypercube"
scenarios = ["small"]
seed = 11
replicates = 2
[arms.isolated]
preset = "isolated"
[arms.collective]
preset = "collective"
[sample]
method = "lhs"
samples = 24
[sample.ranges]
"problem.k" = [0, 6]
"organizations.measurement_noise" = [0.01, 0.3]
"""


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    from tests.experiments.conftest import SMALL

    root = tmp_path_factory.mktemp("sampled")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    path = root / "experiments" / "sampled.toml"
    path.write_text(SAMPLED)
    run_sweep(load_experiment(path), root / "out", executor="serial")
    return root / "out"


def indices_of(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("factor")[["S1", "S1_ci_low", "S1_ci_high"]].sort_index()


def test_the_advantage_indices_are_analyze_s_and_differ_from_one_arm_s(sampled):
    results = Results.load(sampled)
    method, advantage = sensitivity(results, baseline="isolated")
    assert method == "rbd_fast" and advantage.attrs["arm"] == "collective"
    assert advantage.attrs["baseline"] == "isolated"
    answer = pooled(results, baseline="isolated", arm="collective")
    pd.testing.assert_frame_equal(indices_of(advantage), indices_of(answer.indices), check_dtype=False)
    _, own = sensitivity(results)
    assert own.attrs["baseline"] is None
    assert not indices_of(own)["S1"].equals(indices_of(advantage)["S1"])


def test_the_report_shows_the_advantage_s_indices(sampled):
    results = Results.load(sampled)
    _, advantage = sensitivity(results, baseline="isolated")
    result = CliRunner().invoke(main, ["report", str(sampled)])
    assert result.exit_code == 0, result.output
    html = (sampled / "report.html").read_text()
    assert "collective&#x27;s advantage over isolated in the final outcome" in html
    assert "one arm&#x27;s outcome" not in html
    table = html[html.index("Global sensitivity") :]
    first = indices_of(advantage).iloc[0]
    row = re.search(rf"{re.escape(first.name)}</td>\s*<td>([-0-9.]+)</td>", table)
    assert row is not None and float(row.group(1)) == pytest.approx(first["S1"], abs=0.0005)


def test_the_command_explains_an_advantage_with_baseline(sampled, tmp_path):
    run = CliRunner().invoke(main, ["sensitivity", str(sampled), "--baseline", "isolated", "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert "RBD-FAST first-order indices of collective's advantage over isolated in the final outcome:" in run.output
    written = pd.read_csv(tmp_path / "sensitivity.csv")
    _, advantage = sensitivity(Results.load(sampled), baseline="isolated")
    assert written["S1"].round(9).tolist() == advantage["S1"].round(9).tolist()
    plain = CliRunner().invoke(main, ["sensitivity", str(sampled), "--out", str(tmp_path / "own")])
    assert "under collective (one arm's outcome; --arm chooses another, --baseline explains an advantage)" in (
        plain.output
    )
    same = CliRunner().invoke(
        main, ["sensitivity", str(sampled), "--arm", "isolated", "--baseline", "isolated", "--out", str(tmp_path)]
    )
    assert same.exit_code != 0 and "--arm and --baseline are both 'isolated'" in same.output
    unknown = CliRunner().invoke(main, ["sensitivity", str(sampled), "--baseline", "nosuch", "--out", str(tmp_path)])
    assert unknown.exit_code != 0 and "--baseline 'nosuch'" in unknown.output and "Traceback" not in unknown.output
    with pytest.raises(SensitivityError, match="no baseline 'nosuch'"):
        sensitivity(Results.load(sampled), baseline="nosuch")
