"""From a coalition design to a decision: one results folder for every command, reports that answer the
analyst's question, float noise counted as ties, sampled designs pooled, and figures that read on a slide."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cisim.plots.results as figures
from cisim.analysis.findings import cautions, headline, key_comparisons
from cisim.analysis.pooled import pooled
from cisim.analysis.results import Results
from cisim.analysis.tables import paired_comparisons
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep
from cisim.report import build_report
from tests.analysis.test_report import section
from tests.experiments.conftest import SMALL

#: Each test runs whole commands (sweeps, reports, figures): the slow lane, which CI runs.
pytestmark = pytest.mark.slow

DESIGNS = """name = "backbone_designs"
description = "Fund a half-built backbone or not?"
scenarios = ["small"]
seed = 11
replicates = 8
baseline = "no_backbone"

[arms.isolated]
preset = "isolated"

[arms.no_backbone]
preset = "collective"
"conditions.backbone" = 0.0

[arms.half_backbone]
preset = "collective"
"conditions.backbone" = 0.5

[arms.full_backbone]
preset = "collective"

[outputs]
series = true
"""

LHS = """name = "lhs_designs"
description = "Where does collective impact pay? A Latin hypercube over complexity, size and noise"
scenarios = ["small"]
seed = 5
replicates = 2
steps = 10

[arms.isolated]
preset = "isolated"

[arms.collective]
preset = "collective"

[sample]
method = "lhs"
samples = 24
[sample.ranges]
"problem.k" = [0, 8]
"organizations.n_organizations" = [3, 9]
"organizations.measurement_noise" = [0.01, 0.3]
"""


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cisim", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """A four-design study (with a baseline in the file) and a 24-point Latin hypercube, run for real."""
    root = tmp_path_factory.mktemp("decisions")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    folders = {}
    for name, text in (("designs", DESIGNS), ("lhs", LHS)):
        path = root / "experiments" / f"{name}.toml"
        path.write_text(text)
        folders[name] = root / name
        run_sweep(load_experiment(path), folders[name], executor="serial")
    folders["root"] = root
    return folders


# ---------------------------------------------------------------- 1. one results folder, every command
@pytest.fixture(scope="module")
def compared(studies):
    root = studies["root"]
    out = root / "youth-compare"
    result = cli(
        "compare", root / "scenarios" / "small.toml", "--replicates", 6, "--steps", 8, "--seed", 4,
        "--set", "conditions.backbone=0.5", "--out", out, "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_compare_writes_a_results_folder_that_records_seed_overrides_and_hashes(compared):
    out, _ = compared
    assert (out / "design.parquet").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["replicates"] == 6
    assert manifest["options"]["overrides"] == ["conditions.backbone=0.5"]
    assert manifest["scenario_hashes"] and manifest["experiment"]["sha256"]
    assert [arm["name"] for arm in manifest["arms"]] == ["isolated", "scenario"]
    assert manifest["experiment"]["baseline"] == "isolated"
    assert manifest["scenarios"][0]["values"]["conditions.backbone"] == 0.5


def test_analyze_plot_and_report_take_a_compare_folder(compared, tmp_path):
    out, _ = compared
    for command in (["analyze", out, "--out", tmp_path / "a"], ["plot", out, "--out", tmp_path / "p"]):
        result = cli(*command)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "p" / "outcome_over_time.png").exists()
    result = cli("report", out)
    assert result.returncode == 0, result.stderr
    text = (out / "report.html").read_text()
    assert "Scenario did better than isolated" in text or "cannot tell scenario and isolated apart" in text
    # the half backbone every run had is in the question, not only deep in the parameter table
    asked = re.search(r"<strong>Question\.</strong> (.*?)</p>", text).group(1)
    assert asked.endswith("(cisim compare) with --set conditions.backbone=0.5"), asked
    # the headline names its interval (BCa), not the t-interval cisim compare prints
    assert "95&nbsp;% bootstrap (BCa) interval" in section_html(text, "headline")
    # cisim compare printed a t-interval of the same difference: the key table says its intervals differ
    assert "cisim compare</code> prints a t-interval" in text


def section_html(text, identifier):
    return re.search(rf'<section id="{identifier}">(.*?)</section>', text, re.S).group(1)


def test_a_sweep_with_set_asks_its_question_with_those_values(studies, tmp_path):
    from tests.experiments.conftest import EXPERIMENT

    root = studies["root"]
    path = root / "experiments" / "tiny_set.toml"
    path.write_text(EXPERIMENT.replace('"problem.k" = [0, 4]', '"problem.k" = [0]'))
    out = tmp_path / "tiny_set"
    result = cli("sweep", path, "--steps", 8, "--set", "organizations.n_organizations=5", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    result = cli("report", out)
    assert result.returncode == 0, result.stderr
    asked = re.search(r"<strong>Question\.</strong> (.*?)</p>", (out / "report.html").read_text()).group(1)
    assert asked == "two problems, two arms, three replicates with --set organizations.n_organizations=5"


def test_a_command_that_cannot_answer_from_a_folder_says_what_would(compared, tmp_path):
    out, _ = compared
    result = cli("attribute", out, "--out", tmp_path / "a")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cisim sweep conditions_factorial" in result.stderr
    old = tmp_path / "old-compare"  # a comparison as earlier versions wrote it: tables only
    old.mkdir()
    for name in ("runs.csv", "differences.csv"):
        (old / name).write_text((out / name).read_text())
    result = cli("report", old)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cisim compare" in result.stderr


def test_compare_names_what_set_changed_and_hides_statistics_of_fewer_than_five_values(compared):
    _, printed = compared
    assert "the condition levels written in the scenario file" not in printed
    assert "--set conditions.backbone=0.5" in printed.splitlines()[0]
    from cisim.cli.runs import _render

    table = pd.DataFrame(
        [{"metric": "time_to_target", "baseline_mean": 5.0, "arm_mean": 7.0, "difference": 2.0,
          "ci_low": -60.6, "ci_high": 81.2, "pairs": 3}]
    )  # fmt: skip
    shown = _render(table, "scenario", 20)
    assert "(3 of 20)" in shown and "-60.6" not in shown and "n/a" in shown


# ---------------------------------------------------------------- 2. reports that answer the analyst
def test_report_takes_a_baseline_and_names_the_best_design_and_each_step(studies, tmp_path):
    results = Results.load(studies["designs"])
    lead = headline(results, baseline="no_backbone")
    assert lead.baseline == "no_backbone"
    assert [(s.arm, s.against) for s in lead.ladder] == [
        ("no_backbone", "isolated"),
        ("half_backbone", "no_backbone"),
        ("full_backbone", "half_backbone"),
    ]
    text = section(build_report(results), "headline")  # the experiment file's baseline
    assert "half_backbone" in text and "Design by design, each against the one before it" in text
    assert "From no_backbone to half_backbone" in text
    better = [s for s in lead.against_baseline if s.sure and s.difference.estimate > 0]
    if better:
        assert "did best" in text or "clearly better than no_backbone" in text
    else:
        assert "No design did clearly better than no_backbone" in text or "No design did better" in text
        assert "did best" not in text and "one clearly better" not in text
    assert "isolated" in section(build_report(results, baseline="isolated"), "headline")
    result = cli("report", studies["designs"], "--baseline", "nosuch", "--out", tmp_path / "r.html")
    assert result.returncode == 2 and "no_backbone" in result.stderr and "Traceback" not in result.stderr
    result = cli("report", studies["designs"], "--baseline", "isolated", "--out", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr


def test_identical_costs_are_the_same_and_interval_cautions_come_as_one(studies):
    results = Results.load(studies["designs"])
    text = section(build_report(results), "headline")
    assert "cost the same" in text  # isolated and no_backbone spend alike, run by run
    assert not re.search(r"cost the same[^.]*cannot be told apart", text)
    notes = cautions(results, key_comparisons(results, "no_backbone"))
    assert sum("includes zero" in note or "include zero" in note for note in notes) <= 1


def test_each_design_gets_the_cost_of_a_point_of_outcome_gained(studies):
    lead = headline(Results.load(studies["designs"]), baseline="isolated")
    gains = [s for s in lead.against_baseline if s.clear and s.difference.estimate > 0 and s.cost.estimate > 0]
    for step in gains:
        assert step.cost_per_point == pytest.approx(step.cost.estimate / (100 * step.difference.estimate))


# ---------------------------------------------------------------- 3. float noise is a tie
def test_differences_below_numerical_tolerance_are_ties_not_findings():
    rng = np.random.default_rng(0)
    spend = rng.uniform(270_000, 280_000, 20)
    frame = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": np.tile(np.arange(20), 2),
            "arm": np.repeat(["isolated", "collective"], 20),
            "total_spend": np.concatenate([spend, spend + rng.uniform(-1e-10, 1e-10, 20)]),
        }
    )
    row = paired_comparisons(frame, "isolated", ["total_spend"], by=[]).iloc[0]
    assert row["difference"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0
    assert row["p_wilcoxon"] == 1.0


# ---------------------------------------------------------------- 4. sampled designs answered
def test_analyze_on_a_sampled_design_prints_the_pooled_answer_first_and_briefly(studies, tmp_path):
    result = cli("analyze", studies["lhs"], "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) < 150
    assert next(line for line in lines if line.strip() and "dynamics" not in line).startswith("pooled answer")
    assert "R²" in result.stdout and "RBD-FAST" in result.stdout
    assert "p_holm" not in result.stdout  # per-point tables only on request
    assert (tmp_path / "comparisons.csv").exists() and (tmp_path / "pooled_model.csv").exists()
    more = cli("analyze", studies["lhs"], "--out", tmp_path, "--per-point")
    assert "p_holm" in more.stdout


def test_the_metamodel_recovers_a_known_slope(studies):
    results = Results.load(studies["lhs"])
    answer = pooled(results)
    assert set(answer.model["factor"]) == {
        "problem.k",
        "organizations.n_organizations",
        "organizations.measurement_noise",
    }
    assert len(answer.points) == 24 and 0 <= answer.r2 <= 1
    from cisim.analysis.pooled import regression

    x = np.linspace(0, 10, 40)
    points = pd.DataFrame({"a": x, "b": np.sin(x), "advantage": 0.03 * x + 1})
    model = regression(points, ["a", "b"])
    assert model.loc[0, "effect"] == pytest.approx(0.3) and model.attrs["r2"] == pytest.approx(1)


def test_sensitivity_and_plot_work_on_any_sample(studies, tmp_path):
    result = cli("sensitivity", studies["lhs"], "--out", tmp_path / "s")
    assert result.returncode == 0, result.stderr and "RBD-FAST" in result.stdout
    result = cli("plot", studies["lhs"], "--out", tmp_path / "p")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p" / "advantage_by_factor.png").exists()
    assert not (tmp_path / "p" / "advantage_heatmap.png").exists()
    assert "not drawn" in result.stderr and "heatmap" in result.stderr.split("not drawn", 1)[1]


# ---------------------------------------------------------------- 5. figures for a slide
def test_the_advantage_along_each_factor_names_factors_as_files_and_tables_do(studies, drawn, tmp_path):
    figures.advantage_by_factor(Results.load(studies["lhs"]), tmp_path)
    shown = [ax.get_xlabel() for ax in drawn[0].axes if ax.get_visible()]
    assert shown == ["problem.k", "organizations.n_organizations", "organizations.measurement_noise"]


def test_outcome_over_time_with_four_arms_shows_differences_from_the_baseline(studies, drawn, tmp_path):
    results = Results.load(studies["designs"])
    figures.outcome_over_time(results.series, tmp_path, baseline="no_backbone")
    ax = drawn[0].axes[0]
    assert ax.get_legend() is None  # every line is named at its end
    assert {t.get_text() for t in ax.texts} == {"isolated", "half_backbone", "full_backbone"}
    assert "minus no_backbone" in ax.get_title()


def test_bars_keep_their_legend_off_the_data_and_intervals_in_range(studies, drawn, tmp_path):
    frame = Results.load(studies["designs"]).done
    figures.duplication_gaps(frame, tmp_path)
    figures.cost_effectiveness(frame, tmp_path)
    duplication, cost = drawn
    ax = duplication.axes[0]
    duplication.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0  # below the axes
    bottoms = [seg[:, 1].min() for collection in ax.collections for seg in collection.get_segments()]
    assert min(bottoms) >= 0  # shares: no interval below 0
    assert cost.axes[0].get_legend() is None  # one measure: the arms name the bars


def test_condition_levels_are_legible_strips(studies, drawn, tmp_path):
    figures.condition_levels(Results.load(studies["designs"]).series, tmp_path)
    axes = [ax for ax in drawn[0].axes if ax.images]
    assert len(axes) == 4
    for ax in axes:
        assert min(label.get_fontsize() for label in ax.get_yticklabels()) >= 11


# ---------------------------------------------------------------- 6. the way in
def test_the_readme_says_to_run_the_factorial_before_attributing_and_links_the_analysts_guide():
    from pathlib import Path

    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text()
    assert readme.index("cisim sweep experiments/conditions_factorial.toml") < readme.index(
        "cisim attribute results/conditions_factorial"
    )
    assert "docs/analyst.md" in readme and (root / "docs" / "analyst.md").is_file()
    for name in ("backbone_decision", "where_it_pays"):
        experiment = load_experiment(root / "experiments" / f"{name}.toml")
        assert experiment.baseline in [arm.name for arm in experiment.arms]


def test_a_report_against_another_baseline_is_written_beside_the_first_not_over_it(studies, tmp_path):
    """`cisim report FOLDER --baseline ARM` replaced FOLDER/report.html without a word, though results folders
    are never overwritten: each baseline has its own file, and a report written again says it replaced its own."""
    folder = tmp_path / "designs"
    shutil.copytree(studies["designs"], folder)
    first = cli("report", folder)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"wrote {folder / 'report.html'} (") and "in place of" not in first.stdout
    written = (folder / "report.html").read_bytes()
    other = cli("report", folder, "--baseline", "isolated")
    assert other.returncode == 0, other.stderr
    assert f"wrote {folder / 'report-isolated.html'} (" in other.stdout
    assert (folder / "report.html").read_bytes() == written
    assert "no_backbone" in (folder / "report-isolated.html").read_text()
    # The file's own baseline, named or not, is the one report.html is written against.
    for again in (cli("report", folder, "--baseline", "no_backbone"), cli("report", folder)):
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip().endswith("(in place of the report written before)"), again.stdout
    assert sorted(path.name for path in folder.glob("report*")) == ["report-isolated.html", "report.html"]


# ---------------------------------------------------------------- sensitivity of the advantage
def indices_of(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("factor")[["S1", "S1_ci_low", "S1_ci_high"]].sort_index()


def test_the_advantage_s_sensitivity_is_analyze_s_and_not_one_arm_s(studies):
    """With several arms, sensitivity can explain an arm's advantage: the indices analyze's pooled answer gives.

    A factor that moves both arms alike ranks high for one arm's outcome and not for the advantage, the
    quantity a comparison of designs asks about.
    """
    from cisim.analysis.sensitivity import SensitivityError, sensitivity

    results = Results.load(studies["lhs"])
    method, advantage = sensitivity(results, baseline="isolated")
    assert method == "rbd_fast" and advantage.attrs["arm"] == "collective"
    assert advantage.attrs["baseline"] == "isolated"
    answer = pooled(results, baseline="isolated", arm="collective")
    pd.testing.assert_frame_equal(indices_of(advantage), indices_of(answer.indices), check_dtype=False)
    _, own = sensitivity(results)
    assert own.attrs["baseline"] is None
    assert not np.allclose(indices_of(own)["S1"], indices_of(advantage)["S1"])
    with pytest.raises(SensitivityError, match="no baseline 'nosuch'"):
        sensitivity(results, baseline="nosuch")


def test_the_report_s_sensitivity_table_and_figure_explain_the_advantage(studies, tmp_path):
    """The report's answer is about the advantage; its sensitivity table and caption are too, not one arm's outcome."""
    from cisim.analysis.sensitivity import sensitivity

    folder = tmp_path / "lhs"
    shutil.copytree(studies["lhs"], folder)
    written = cli("report", folder)
    assert written.returncode == 0, written.stderr
    page = (folder / "report.html").read_text()
    assert "collective&#x27;s advantage over isolated in the final outcome" in page
    assert "one arm&#x27;s outcome" not in page
    _, advantage = sensitivity(Results.load(folder), baseline="isolated")
    first = indices_of(advantage).iloc[0]
    row = re.search(rf"{re.escape(first.name)}</td>\s*<td>([-0-9.]+)</td>", page[page.index("Global sensitivity") :])
    assert row is not None and float(row.group(1)) == pytest.approx(first["S1"], abs=0.0005)


def test_cisim_sensitivity_explains_an_advantage_with_baseline(studies, tmp_path):
    from cisim.analysis.sensitivity import sensitivity

    folder = studies["lhs"]
    run = cli("sensitivity", folder, "--baseline", "isolated", "--out", tmp_path / "advantage")
    assert run.returncode == 0, run.stderr
    assert "RBD-FAST first-order indices of collective's advantage over isolated in the final outcome:" in run.stdout
    written = pd.read_csv(tmp_path / "advantage" / "sensitivity.csv")
    _, advantage = sensitivity(Results.load(folder), baseline="isolated")
    assert written["S1"].round(9).tolist() == advantage["S1"].round(9).tolist()
    plain = cli("sensitivity", folder, "--out", tmp_path / "own")
    assert "under collective (one arm's outcome; --arm chooses another, --baseline explains an advantage)" in (
        plain.stdout
    )
    same = cli("sensitivity", folder, "--arm", "isolated", "--baseline", "isolated", "--out", tmp_path / "x")
    assert same.returncode == 2 and "--arm and --baseline are both 'isolated'" in same.stderr
    unknown = cli("sensitivity", folder, "--baseline", "nosuch", "--out", tmp_path / "y")
    assert unknown.returncode == 2 and "--baseline 'nosuch'" in unknown.stderr and "Traceback" not in unknown.stderr


SALTELLI_PAIR = """name = "saltelli_pair"
description = "Sobol indices of the advantage"
scenarios = ["small"]
seed = 3
replicates = 1
[arms.isolated]
preset = "isolated"
[arms.collective]
preset = "collective"
[sample]
method = "saltelli"
samples = 8
[sample.ranges]
"problem.k" = [0, 6]
"organizations.measurement_noise" = [0.01, 0.3]
"""


def test_sobol_indices_of_the_advantage_are_those_of_each_points_paired_difference(studies, tmp_path):
    """On a Saltelli design of two arms, the advantage's Sobol indices are SALib's on each point's paired difference."""
    from cisim.analysis.sensitivity import salib_problem, sensitivity, sobol_indices

    path = studies["root"] / "experiments" / "saltelli_pair.toml"
    path.write_text(SALTELLI_PAIR)
    folder = tmp_path / "saltelli_pair"
    run_sweep(load_experiment(path), folder, executor="serial")
    results = Results.load(folder)
    method, advantage = sensitivity(results, baseline="isolated")
    assert method == "saltelli" and advantage.attrs["baseline"] == "isolated"
    done = results.done.pivot_table(index="point", columns="arm", values="final_outcome")
    expected = sobol_indices(
        salib_problem(results.manifest["sample"]),
        (done["collective"] - done["isolated"]).to_numpy(dtype=float),
        seed=results.manifest["seed"],
    )
    np.testing.assert_allclose(advantage["S1"], expected["S1"], atol=1e-12)
    np.testing.assert_allclose(advantage["ST"], expected["ST"], atol=1e-12)
    _, own = sensitivity(results)
    assert not np.allclose(own["ST"], advantage["ST"])
