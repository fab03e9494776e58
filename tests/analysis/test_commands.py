"""The analysis commands on real (small) sweeps: tables, attribution, sensitivity, figures, report, export."""

import warnings

import pytest
from click.testing import CliRunner

from cisim.analysis.export import to_ema
from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.store import load_results
from cisim.experiments.sweep import run_sweep

FACTORIAL = """name = "mini_factorial"
description = "three conditions on or off"
scenarios = ["small"]
seed = 3
replicates = 4
[arms.design]
preset = "collective"
[factors]
"conditions.common_agenda" = [0.0, 1.0]
"conditions.shared_measurement" = [0.0, 1.0]
"conditions.backbone" = [0.0, 1.0]
"""

SALTELLI = """name = "mini_sensitivity"
description = "Sobol indices on a small problem"
scenarios = ["small"]
seed = 3
replicates = 1
[arms.design]
preset = "collective"
[sample]
method = "saltelli"
samples = 8
[sample.ranges]
"conditions.shared_measurement" = [0.0, 1.0]
"organizations.measurement_noise" = [0.01, 0.3]
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    from tests.experiments.conftest import EXPERIMENT, SMALL

    root = tmp_path_factory.mktemp("analysis")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    folders = {}
    for name, text in (
        (
            "tiny",
            EXPERIMENT.replace(
                '"problem.k" = [0, 4]', '"problem.k" = [0, 4]\n"organizations.n_organizations" = [4, 8]'
            ),
        ),
        ("factorial", FACTORIAL),
        ("saltelli", SALTELLI),
    ):
        path = root / "experiments" / f"{name}.toml"
        path.write_text(text)
        folders[name] = root / name
        run_sweep(load_experiment(path), folders[name], executor="serial")
    return folders


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_analyze_prints_and_writes_tables(sweeps):
    output = invoke("analyze", sweeps["tiny"])
    assert "paired differences against 'isolated'" in output and "p_holm" in output
    assert (sweeps["tiny"] / "analysis" / "describe.csv").exists()
    assert (sweeps["tiny"] / "analysis" / "comparisons.csv").exists()


def test_attribute_gives_shapley_values_that_add_up(sweeps):
    output = invoke("attribute", sweeps["factorial"])
    assert "conditions.backbone" in output and "total" in output
    table = __import__("pandas").read_csv(sweeps["factorial"] / "analysis" / "attribution.csv")
    players = table[table["player"] != "total"]
    assert players["shapley"].sum() == pytest.approx(table[table["player"] == "total"]["shapley"].iloc[0])
    assert (sweeps["factorial"] / "analysis" / "attribution.png").exists()


def test_attribute_explains_what_is_missing(sweeps):
    result = CliRunner().invoke(main, ["attribute", str(sweeps["tiny"])])
    assert result.exit_code == 1 and "several arms" in result.output


def test_sensitivity_reads_a_saltelli_design(sweeps):
    output = invoke("sensitivity", sweeps["saltelli"])
    assert "Sobol indices" in output and "ST_ci_high" in output
    result = CliRunner().invoke(main, ["sensitivity", str(sweeps["tiny"])])
    assert result.exit_code == 1 and "saltelli" in result.output


def test_plot_writes_every_applicable_kind_as_png_and_svg(sweeps, tmp_path):
    invoke("plot", sweeps["tiny"], "--out", tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    for stem in (
        "outcome_over_time",
        "final_outcome_distribution",
        "advantage_heatmap",
        "cost_effectiveness",
        "duplication_gaps",
        "condition_levels",
    ):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    invoke("plot", sweeps["factorial"], "--kind", "attribution", "--out", tmp_path / "a")
    assert (tmp_path / "a" / "attribution.svg").exists()


def test_report_is_one_self_contained_file(sweeps, tmp_path):
    target = tmp_path / "report.html"
    invoke("report", sweeps["factorial"], "--out", target)
    text = target.read_text()
    assert text.count("data:image/png;base64,") >= 4
    for words in ("three conditions on or off", "Design", "Scenario parameters", "Attribution", "Manifest"):
        assert words in text
    assert 'src="http' not in text


def test_analysis_of_a_partial_sweep_says_what_is_missing(sweeps, tmp_path):
    import shutil

    partial = tmp_path / "partial"
    shutil.copytree(sweeps["tiny"], partial)
    lines = (partial / "status.jsonl").read_text().splitlines()
    (partial / "status.jsonl").write_text("\n".join(lines[:4]) + "\n")
    for block in sorted((partial / "summaries").glob("block-*.parquet"))[1:]:
        block.unlink()
    result = CliRunner().invoke(main, ["analyze", str(partial)])
    assert result.exit_code == 0 and "20 of 24 runs are not in yet" in result.output


def test_results_export_to_ema_workbench_and_prim_runs_on_them(sweeps):
    experiments, outcomes = to_ema(load_results(sweeps["tiny"]))
    assert len(experiments) == 24 and set(outcomes) >= {"final_outcome", "mean_duplication"}
    assert {"problem.k", "organizations.n_organizations", "policy", "scenario", "model"} <= set(experiments.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns about optional parallel back-ends it lacks
        from ema_workbench.analysis import prim

        low = outcomes["final_outcome"] < 0.8
        box = prim.Prim(experiments[["problem.k", "organizations.n_organizations"]].astype(float), low).find_box()
    assert len(box.peeling_trajectory) >= 1
