"""The analysis commands on real (small) sweeps: tables, attribution, sensitivity, figures, report, export."""

import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.analysis.export import to_ema
from cisim.cli import main
from cisim.experiments.store import load_results
from cisim.model.outputs import RUN_SUMMARIES


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_analyze_prints_and_writes_tables(sweeps):
    output = invoke("analyze", sweeps["tiny"])
    assert "paired differences against 'isolated'" in output and "p_holm" in output
    assert (sweeps["tiny"] / "analysis" / "describe.csv").exists()
    assert (sweeps["tiny"] / "analysis" / "comparisons.csv").exists()


def test_analyze_prints_no_interval_of_fewer_than_five_values_and_keeps_it_in_the_csv(sweeps, tmp_path):
    """Three replicates: every interval in the printed tables is n/a, said once; the CSV files keep them."""
    output = invoke("analyze", sweeps["tiny"], "--out", tmp_path)
    assert "n/a: an interval of fewer than 5 values" in output
    printed = output.split("per arm and factor level")[1].split("n/a: an interval")[0]
    assert "[" not in printed and "ci_low" in printed and "ci_high" in printed
    described, compared = pd.read_csv(tmp_path / "describe.csv"), pd.read_csv(tmp_path / "comparisons.csv")
    assert (described["n"] <= 3).all() and described["ci_low"].notna().any()
    assert (compared["pairs"] <= 3).all() and compared["ci_low"].notna().any()
    rows = [line.split() for line in printed.splitlines() if " collective " in line or " isolated " in line]
    assert rows and all(row.count("n/a") >= 2 for row in rows), printed


def test_analyze_cautions_when_holm_leaves_no_test_able_to_reach_significance(sweeps, tmp_path):
    result = CliRunner().invoke(main, ["analyze", str(sweeps["tiny"]), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "comparisons.csv")
    tests, pairs = int(table["p_wilcoxon"].notna().sum()), int(table["pairs"].max())
    assert tests * 2 / 2**pairs >= 0.05 and table["p_holm"].min() >= 0.05  # so few pairs: nothing can be significant
    assert f"caution: {tests} paired tests are Holm-corrected together" in result.output
    assert f"with {pairs} pairs" in result.output and "no difference can reach significance" in result.output


def test_attribute_gives_shapley_values_that_add_up(sweeps):
    output = invoke("attribute", sweeps["factorial"])
    assert "conditions.backbone" in output and "total" in output
    table = __import__("pandas").read_csv(sweeps["factorial"] / "analysis" / "attribution.csv")
    players = table[table["player"] != "total"]
    assert players["shapley"].sum() == pytest.approx(table[table["player"] == "total"]["shapley"].iloc[0])
    assert (sweeps["factorial"] / "analysis" / "attribution.png").exists()


def test_attribute_explains_what_is_missing(sweeps):
    result = CliRunner().invoke(main, ["attribute", str(sweeps["tiny"])])
    assert result.exit_code == 2 and "several arms" in result.output


def test_sensitivity_reads_a_saltelli_design(sweeps):
    output = invoke("sensitivity", sweeps["saltelli"])
    assert "Sobol indices" in output and "ST_ci_high" in output
    result = CliRunner().invoke(main, ["sensitivity", str(sweeps["tiny"])])
    assert result.exit_code == 2 and "saltelli" in result.output


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


def test_plot_names_kinds_nobody_asked_for_in_one_line_and_explains_those_asked_for(sweeps, tmp_path):
    everything = CliRunner().invoke(main, ["plot", str(sweeps["tiny"]), "--out", str(tmp_path / "all")])
    assert everything.exit_code == 0, everything.output
    notices = [line for line in everything.output.splitlines() if not line.startswith("wrote ")]
    assert "skipped" not in everything.output
    assert notices == [
        "not drawn (these results do not allow them): along, factors, attribution, sensitivity; --kind NAME says why"
    ]
    asked = CliRunner().invoke(
        main, ["plot", str(sweeps["tiny"]), "--kind", "sensitivity", "--kind", "cost", "--out", str(tmp_path / "k")]
    )
    assert asked.exit_code == 1, asked.output  # a kind asked for is missing: a script must not take it as drawn
    assert "wrote " in asked.output and "not drawn" not in asked.output
    assert (tmp_path / "k" / "cost_effectiveness.png").is_file()  # what could be drawn is written all the same
    skipped = [line for line in asked.output.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1 and skipped[0].startswith("skipped sensitivity: ") and "20 points" in skipped[0]


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
    assert result.output.count("not in yet") == 1  # once, among the cautions, saying to resume
    assert "continues a stopped one" in result.output and " --resume`" in result.output
    plotted = CliRunner().invoke(main, ["plot", str(partial), "--kind", "cost"])  # no cautions: its own note
    assert plotted.exit_code == 0 and plotted.output.count("20 of 24 runs are not in yet") == 1


def test_analysis_of_a_damaged_sweep_says_damaged_not_unfinished(sweeps, tmp_path):
    """A block changed on disk is not a sweep still running: the caution says which it is."""
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(sweeps["tiny"], damaged)
    block = sorted((damaged / "summaries").glob("block-*.parquet"))[1]
    block.write_bytes(block.read_bytes()[:100])
    result = CliRunner().invoke(main, ["analyze", str(damaged)])
    assert result.exit_code == 0, result.output
    assert "1 block of results on disk is missing or damaged (summaries/block-000001.parquet" in result.output
    assert "still running" not in result.output


def test_attribution_of_a_partial_factorial_says_once_that_runs_are_missing_and_to_resume(tmp_path):
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep
    from tests.analysis.conftest import FACTORIAL
    from tests.experiments.conftest import SMALL

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "small.toml").write_text(SMALL)
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "factorial.toml").write_text(FACTORIAL + "[outputs]\nblock_size = 8\n")
    partial = tmp_path / "partial"
    run_sweep(load_experiment(tmp_path / "experiments" / "factorial.toml"), partial, executor="serial")
    last = sorted((partial / "summaries").glob("block-*.parquet"))[-1]  # lost, as if the sweep had stopped
    lost = set(pd.read_parquet(last)["run_id"])
    last.unlink()
    block = int(last.stem.removeprefix("block-"))
    status = partial / "status.jsonl"
    records = [json.loads(line) for line in status.read_text().splitlines()]
    kept = [r for r in records if r.get("block", -1) != block and r.get("run_id", -1) not in lost]
    status.write_text("".join(json.dumps(r) + "\n" for r in kept))
    result = CliRunner().invoke(main, ["attribute", str(partial)])
    assert result.exit_code == 2 and "combinations of" in result.output  # the factorial cannot be attributed
    assert result.output.count("not in yet") == 1
    assert f"{len(lost)} of 32 runs are not in yet: resume the sweep" in result.output


@pytest.mark.slow
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


# ------------------------------------------------------------------------------------------ bad input


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a results folder with its bytes, to show that a refused command changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def copies(sweeps, tmp_path):
    """Private copies of the sweeps, so a test can check that nothing in them changed."""
    return {name: Path(shutil.copytree(folder, tmp_path / name)) for name, folder in sweeps.items()}


def refused(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    return result.output


def test_analyze_with_an_unknown_baseline_names_the_arms_that_exist(copies):
    before = snapshot(copies["tiny"])
    output = refused("analyze", copies["tiny"], "--baseline", "nosuch")
    assert "error: --baseline 'nosuch'" in output
    assert "isolated" in output and "collective" in output
    assert snapshot(copies["tiny"]) == before


def test_an_unknown_arm_names_the_arms_that_exist(copies):
    output = refused("attribute", copies["tiny"], "--arm", "nosuch")
    assert "error: --arm 'nosuch'" in output and "isolated, collective" in output
    output = refused("sensitivity", copies["saltelli"], "--arm", "nosuch")
    assert "error: --arm 'nosuch'" in output and "design" in output


COMMANDS = {
    "analyze": ("tiny", []),
    "attribute": ("factorial", []),
    "sensitivity": ("saltelli", []),
    "plot": ("tiny", ["--kind", "distribution"]),
    "report": ("factorial", []),
}


def unwritable(tmp_path: Path) -> Path:
    """A folder nobody may write in: read-only by permission, or (for root, whom permissions do not stop) /sys."""
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("no read-only file system to write into")
        return Path("/sys/cisim-analysis-test")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "out"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["under a file", "read-only"])
def test_a_bad_out_is_refused_before_any_work_and_changes_nothing(copies, tmp_path, command, where):
    if where == "read-only" and sys.platform == "win32":
        pytest.skip("permissions differ on Windows")
    name, extra = COMMANDS[command]
    folder = copies[name]
    before = snapshot(folder)
    if where == "under a file":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        out = blocker / "sub" / ("report.html" if command == "report" else "")
    else:
        out = unwritable(tmp_path) / ("report.html" if command == "report" else "")
    output = refused(command, folder, *extra, "--out", out)
    assert "error: --out" in output and "cannot write there" in output
    assert snapshot(folder) == before


def test_report_refuses_a_folder_as_its_out(copies):
    output = refused("report", copies["factorial"], "--out", copies["factorial"])
    assert "is a directory" in output


def test_a_folder_that_is_not_a_sweep_is_a_user_error(tmp_path):
    output = refused("analyze", tmp_path)
    assert "not a sweep results folder" in output


# ------------------------------------------------------------------------------------------ metrics, dynamics


def test_any_recorded_run_summary_can_be_analysed_and_labelled_from_the_outputs_table(sweeps, tmp_path):
    recorded = [m for m in RUN_SUMMARIES if m in load_results(sweeps["tiny"]).columns and m != "final_outcome"]
    extra = next(m for m in recorded if m not in ("outcome_auc", "time_to_target", "cost_effectiveness"))
    invoke("analyze", sweeps["tiny"], "--metric", extra, "--out", tmp_path)
    table = pd.read_csv(tmp_path / "describe.csv")
    assert set(table["metric"]) == {extra}


def test_attribution_and_sensitivity_say_which_condition_dynamics_the_runs_used(copies, tmp_path):
    # results record the mode they ran with (fixed levels by default)
    assert "condition dynamics: fixed" in invoke("attribute", copies["factorial"], "--out", tmp_path / "a")
    assert "condition dynamics: fixed" in invoke("sensitivity", copies["saltelli"], "--out", tmp_path / "s")
    # results written before the parameter existed ran with conditions built up by the backbone
    for name in ("factorial", "saltelli"):
        manifest_path = copies[name] / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        for scenario in manifest["scenarios"]:
            scenario["values"].pop("conditions.dynamics", None)
        for digest in ("manifest_sha256", "design_sha256"):  # not recorded then either
            manifest.pop(digest)
        manifest_path.write_text(json.dumps(manifest))
        frame_columns = [path for path in copies[name].glob("*.parquet")]
        for path in frame_columns:
            table = pd.read_parquet(path)
            table.drop(columns=[c for c in table.columns if c.endswith("conditions.dynamics")]).to_parquet(path)
    assert "condition dynamics: built" in invoke("attribute", copies["factorial"], "--out", tmp_path / "a")
    assert "condition dynamics: built" in invoke("sensitivity", copies["saltelli"], "--out", tmp_path / "s")


def test_morris_screening_reads_a_morris_design(sweeps, tmp_path):
    output = invoke("sensitivity", sweeps["morris"], "--out", tmp_path)
    assert "Morris screening" in output
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert list(table["factor"]) == ["conditions.communication", "organizations.measurement_noise"]
    assert (table["mu_star"] >= 0).all() and (table["mu_star_ci_low"] <= table["mu_star"]).all()


def test_a_sweep_with_no_finished_run_yet_is_a_user_error_and_its_report_says_so(copies):
    from cisim.report import build_report

    folder = copies["tiny"]
    for block in folder.glob("*/block-*.parquet"):
        block.unlink()
    (folder / "status.jsonl").unlink()
    for command in ("analyze", "attribute", "sensitivity", "plot", "report"):
        assert "no finished runs yet (24 in the design)" in refused(command, folder)
    assert "No finished runs yet" in build_report(folder)


TWO_SCENARIOS = """name = "two_bases"
description = "a 3 x 4 grid on two base scenarios"
scenarios = ["small", "small_b"]
seed = 11
replicates = 2
[arms.isolated]
preset = "isolated"
[arms.collective]
preset = "collective"
[factors]
"problem.k" = [0, 2, 4]
"organizations.n_organizations" = [3, 4, 5, 6]
"""


@pytest.fixture(scope="module")
def two_bases(tmp_path_factory):
    """A 12-point grid swept on two base scenarios (24 scenario-points): too few design points to pool."""
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep
    from tests.experiments.conftest import SMALL

    root = tmp_path_factory.mktemp("two_bases")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "scenarios" / "small_b.toml").write_text(SMALL.replace('"small"', '"small_b"') + "[costs]\n")
    (root / "experiments").mkdir()
    (root / "experiments" / "two.toml").write_text(TWO_SCENARIOS)
    run_sweep(load_experiment(root / "experiments" / "two.toml"), root / "out", executor="serial")
    return root / "out"


def test_analyze_tables_say_which_base_scenario_each_row_is(two_bases, tmp_path):
    """With two base scenarios the same design point appears twice: each printed row names its scenario."""
    result = CliRunner().invoke(main, ["analyze", str(two_bases), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if " collective " in line and "final_outcome" in line]
    assert rows and all(("small_b" in row) or (" small " in f" {row} ") for row in rows)
    assert any("small_b" in row for row in rows)


def test_sensitivity_and_the_pooled_answer_count_design_points_not_scenario_points(two_bases, tmp_path):
    """12 design points on two scenarios are 12 points of the sample, fewer than the 20 indices need."""
    from cisim.analysis.pooled import PooledError, pooled
    from cisim.analysis.results import Results

    result = CliRunner().invoke(main, ["sensitivity", str(two_bases), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "12 design point(s)" in result.output, result.output
    with pytest.raises(PooledError, match="12 design points"):
        pooled(Results.load(two_bases))
