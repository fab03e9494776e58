"""The report answers the question first, in plain words, stands alone, and reads its results once."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cisim.analysis.findings import cautions
from cisim.analysis.results import Results
from cisim.analysis.tables import paired_comparisons
from cisim.report import build_report

#: Elements HTML never closes.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Outline(HTMLParser):
    """Checks that every element is closed in order and records ids, references and figures."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.references: list[str] = []
        self.tags: set[str] = set()
        self.figures: list[dict[str, str]] = []
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.references += [attrs[a] for a in ("src", "href") if a in attrs]
        if tag == "figure":
            self.figures.append({"img": "", "caption": ""})
        if tag == "img" and self.figures:
            self.figures[-1]["img"] = attrs.get("src", "")
        if tag == "figcaption":
            self._caption = []
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}>")
            return
        self.open.pop()
        if tag == "figcaption" and self._caption is not None:
            self.figures[-1]["caption"] = "".join(self._caption)
            self._caption = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)


def outline(text: str) -> Outline:
    parser = Outline()
    parser.feed(text)
    parser.close()
    return parser


def section(text: str, identifier: str) -> str:
    """The plain text of one section of the report."""
    found = re.search(rf'<section id="{identifier}">(.*?)</section>', text, re.S)
    assert found, f"no section {identifier}"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))


@pytest.fixture(scope="module")
def reports(sweeps):
    return {name: build_report(folder) for name, folder in sweeps.items()}


@pytest.mark.parametrize("name", ["tiny", "factorial", "saltelli", "morris"])
def test_report_is_well_formed_self_contained_and_in_order(reports, name):
    text = reports[name]
    assert text.startswith("<!DOCTYPE html>")
    parsed = outline(text)
    assert parsed.problems == [] and parsed.open == []
    assert len(parsed.ids) == len(set(parsed.ids))
    order = [parsed.ids.index(i) for i in ("headline", "key-table", "warnings", "figures")]
    assert order == sorted(order)
    assert not {"script", "link", "iframe", "object"} & parsed.tags
    assert all(ref.startswith(("data:image/png;base64,", "#")) for ref in parsed.references)
    assert parsed.figures, "no figures"
    for figure in parsed.figures:
        assert figure["img"].startswith("data:image/png;base64,")
        assert len(figure["caption"].split()) >= 12  # a sentence or two saying what to notice


def test_headline_says_which_design_did_better_by_how_much_how_surely_and_at_what_cost(sweeps, reports):
    key = paired_comparisons(Results.load(sweeps["tiny"]).done, metrics=["final_outcome", "total_spend"], by=[])
    outcome = key[key["metric"] == "final_outcome"].iloc[0]
    text = section(reports["tiny"], "headline")
    sure = outcome["p_wilcoxon"] < 0.05  # "did better" needs the interval and the test to agree
    if outcome["ci_low"] > 0 and sure:
        assert "Collective did better than isolated." in text
    elif outcome["ci_high"] < 0 and sure:
        assert "Isolated did better" in text
    elif outcome["ci_low"] > 0 or outcome["ci_high"] < 0:
        assert "on average, but the difference is not distinguishable from zero" in text
    else:
        assert "cannot tell collective and isolated apart" in text
    assert "95\xa0% bootstrap (BCa) interval" in text  # the report keeps "95 %" on one line
    assert f"a difference of {outcome['difference']:+.3f}" in text
    assert f"{outcome['ci_low']:+.3f} to {outcome['ci_high']:+.3f} over {outcome['pairs']} paired runs" in text
    assert outcome["pairs"] == 4 * 3  # every design point's replicates, pooled
    cost = key[key["metric"] == "total_spend"].iloc[0]
    change = cost["difference"] / cost["baseline_mean"]
    how_much = "the same" if round(abs(change), 2) == 0 else f"{abs(change):.0%} {'more' if change > 0 else 'less'}"
    assert f"It cost {how_much} in total spend" in text
    assert "uncorrected" in text  # the headline's p-value is not the key table's Holm-corrected one
    assert "averages over 4 design points" in text
    assert "Condition dynamics: fixed" in text
    key = section(reports["tiny"], "key-table")
    assert "Intervals: bootstrap (BCa)" in key and "cisim compare prints a t-interval" in key


def test_report_shows_the_values_the_sweep_varied_and_counts_its_design_points(reports):
    design = section(reports["tiny"], "design").replace("\N{MULTIPLICATION SIGN}", "x")
    assert "problem.k 0, 4" in design and "organizations.n_organizations 4, 8" in design
    assert "24 runs = 1 scenario(s) x 4 design point(s) x 3 replicate(s) x 2 arm(s)" in design
    factorial = section(reports["factorial"], "design").replace("\N{MULTIPLICATION SIGN}", "x")
    assert "32 runs = 1 scenario(s) x 8 design point(s) x 4 replicate(s) x 1 arm(s)" in factorial
    parameters = section(reports["tiny"], "scenario-parameters")
    assert "problem.k varied by the design" in parameters
    assert "organizations.n_organizations varied by the design" in parameters
    assert "conditions.backbone isolated: 0.0; collective: 1.0" in parameters


def test_report_warns_where_samples_are_too_small(reports):
    assert "Only 3 replicates per design point" in section(reports["tiny"], "warnings")
    assert "Only 4 replicates per design point" in section(reports["factorial"], "warnings")


def test_report_shows_no_interval_of_fewer_than_five_runs_and_quotes_none(reports):
    """Three replicates: every interval of fewer than five runs (or pairs) is n/a, as analyze prints it; intervals
    pooled over design points (more pairs) are shown; and no caution quotes an interval that is not shown."""
    text = reports["tiny"]
    assert "n/a: no interval is shown where fewer than 5 runs" in text
    seen = {"n/a": 0, "shown": 0}
    for table in re.findall(r"<table.*?</table>", text, re.S):
        header = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
        count = next((header.index(c) for c in ("n", "pairs", "paired runs") if c in header), None)
        low = next((header.index(c) for c in ("ci_low", "95 % CI low") if c in header), None)
        if count is None or low is None:
            continue
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            cells = re.findall(r"<td>(.*?)</td>", row)
            if float(cells[count].replace(",", "")) < 5:
                assert cells[low] == cells[low + 1] == "n/a", row
                seen["n/a"] += 1
            else:
                assert cells[low] != "n/a", row
                seen["shown"] += 1
    assert seen["n/a"] > 0 and seen["shown"] > 0, seen
    assert "clear of zero" not in section(text, "warnings")


def test_one_arm_reports_lead_with_attribution_or_sensitivity(reports):
    assert "contributed most" in section(reports["factorial"], "headline")
    assert "Shapley" in section(reports["factorial"], "key-table")
    assert "depends most on" in section(reports["saltelli"], "headline")
    assert "Sobol" in section(reports["saltelli"], "key-table")
    assert "moves most with" in section(reports["morris"], "headline")


def test_building_a_report_reads_each_result_file_once(sweeps, monkeypatch):
    reads: list[str] = []
    original = pd.read_parquet

    def counted(path, *args, **kwargs):
        reads.append(str(Path(path).relative_to(sweeps["tiny"])))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", counted)
    build_report(sweeps["tiny"])
    blocks = [r for r in reads if r.startswith(("summaries", "series"))]
    assert blocks and len(blocks) == len(set(blocks))


def sobol_table(s1, st, half=0.02, samples=8):
    indices = pd.DataFrame(
        {
            "factor": [f"f{i}" for i in range(len(s1))],
            "S1": s1,
            "S1_ci_low": [v - half for v in s1],
            "S1_ci_high": [v + half for v in s1],
            "ST": st,
            "ST_ci_low": [v - half for v in st],
            "ST_ci_high": [v + half for v in st],
        }
    )
    indices.attrs["samples"] = samples
    return indices


def test_cautions_name_negative_and_wide_sobol_indices(sweeps):
    results = Results.load(sweeps["saltelli"])
    sound = cautions(results, sensitivity=("saltelli", sobol_table([0.5, 0.2], [0.6, 0.3])))
    assert not any("Sobol" in note for note in sound)
    negative = cautions(results, sensitivity=("saltelli", sobol_table([0.5, -0.04], [0.6, 0.3])))
    assert any("Negative Sobol indices for f1 (S1 = -0.040)" in note for note in negative)
    # Wholly below zero (-0.06 to -0.02): the sample is too small, and the advice names a larger one than it was.
    (note,) = [note for note in negative if "Negative Sobol" in note]
    assert "intervals wholly below zero" in note and "the base sample (8) is too small" in note
    assert "raise [sample] samples (e.g. to 16 or more)" in note
    big = cautions(results, sensitivity=("saltelli", sobol_table([0.5, -0.04], [0.6, 0.3], samples=1024)))
    assert any("raise [sample] samples (e.g. to 2,048 or more)" in note for note in big)
    # Its interval reaches zero (-0.03 to +0.01): a small index read a little low, not a call for a larger sample.
    near = cautions(results, sensitivity=("saltelli", sobol_table([0.5, -0.01], [0.6, 0.3])))
    (note,) = [note for note in near if "Negative Sobol" in note]
    assert "f1 (S1 = -0.010)" in note and "each interval reaches zero" in note and "raise" not in note
    wide = cautions(results, sensitivity=("saltelli", sobol_table([0.5, 0.2], [0.6, 0.3], half=0.3)))
    assert any("wider than" in note and "f0, f1" in note for note in wide)


def test_cautions_name_comparisons_whose_interval_and_wilcoxon_disagree(sweeps):
    """The report calls a difference clear only where its interval and Wilcoxon's test agree; where they do not,
    the cautions say which comparisons, each way round, with the interval and the p."""
    results = Results.load(sweeps["tiny"])
    key = pd.DataFrame(
        {
            "arm": ["collective"] * 4,
            "baseline": ["isolated"] * 4,
            "metric": ["final_outcome", "outcome_auc", "mean_duplication", "mean_gap_share"],
            "difference": [0.17, 0.01, -0.3, 0.002],
            "ci_low": [0.059, -0.02, -0.4, -0.001],
            "ci_high": [0.344, 0.03, -0.2, 0.004],
            "p_wilcoxon": [0.062, 0.03, 0.001, 0.5],
            "p_holm": [0.12, 0.06, 0.004, 0.5],
            "pairs": [6, 6, 6, 6],
        }
    )
    notes = cautions(results, key)
    untested = [n for n in notes if "does not confirm" in n]
    assert (
        len(untested) == 1 and "final outcome (collective minus isolated: +0.059 to +0.344, p = 0.062)" in untested[0]
    )
    unclear = [n for n in notes if "Wilcoxon's signed-rank test (p < " in n]
    assert (
        len(unclear) == 1
        and "outcome over the run" in unclear[0]
        and "1 of the 4 comparisons in the key table passes" in unclear[0]
        and "-0.020 to +0.030, p = 0.03" in unclear[0]
    )
    agreeing = "duplication"  # interval and test agree (clear), gap share agree (unclear): neither named here
    assert not any(agreeing in n for n in untested + unclear) and not any("gap share" in n for n in untested + unclear)


def test_analyze_cautions_name_the_design_point_of_each_disagreement(sweeps):
    """``cisim analyze`` shows a table per design point: a disagreement there is named with its point."""
    results = Results.load(sweeps["tiny"])
    comparisons = pd.DataFrame(
        {
            "scenario": ["small"] * 3,
            "problem.k": [0, 4, 4],
            "organizations.n_organizations": [4, 4, 8],
            "arm": ["collective"] * 3,
            "baseline": ["isolated"] * 3,
            "metric": ["final_outcome"] * 3,
            "difference": [0.17, 0.01, 0.2],
            "ci_low": [0.059, -0.02, 0.1],
            "ci_high": [0.344, 0.03, 0.3],
            "p_wilcoxon": [0.062, 0.03, 0.001],
            "p_holm": [0.12, 0.06, 0.003],
            "pairs": [6, 6, 6],
        }
    )
    notes = cautions(results, comparisons=comparisons)
    untested = [n for n in notes if "does not confirm" in n]
    assert len(untested) == 1 and "in the table of paired differences" in untested[0]
    assert (
        "(collective minus isolated at problem.k = 0, organizations.n_organizations = 4: +0.059 to +0.344"
        in (untested[0])
    )
    unclear = [n for n in notes if "Wilcoxon's signed-rank test (p < " in n]
    assert len(unclear) == 1 and "at problem.k = 4, organizations.n_organizations = 4: -0.020 to +0.030" in unclear[0]
    assert "n_organizations = 8" not in " ".join(notes)  # interval and test agree there


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """A sweep that sets two base scenarios side by side (no factor): a small problem, and the same with k = 0."""
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep
    from tests.experiments.conftest import SMALL

    root = tmp_path_factory.mktemp("side_by_side")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    flat = SMALL.replace('name = "small"', 'name = "flat"').replace("k = 4", "k = 0")
    (root / "scenarios" / "flat.toml").write_text(flat)
    (root / "experiments").mkdir()
    (root / "experiments" / "side.toml").write_text(
        'name = "side"\ndescription = "two scenarios side by side"\nscenarios = ["small", "flat"]\nseed = 3\n'
        'replicates = 6\n[arms.isolated]\npreset = "isolated"\n[arms.collective]\npreset = "collective"\n'
    )
    folder = root / "results"
    run_sweep(load_experiment(root / "experiments" / "side.toml"), folder, executor="serial")
    return folder


def test_a_report_of_several_scenarios_compares_the_designs_within_each(side_by_side, reports):
    """The key table pools the scenarios; the answer and a table under it give each scenario's own comparison,
    the same as comparing within that scenario's runs alone, and the detailed tables keep the scenario column."""
    text = build_report(side_by_side)
    runs = Results.of(side_by_side).done
    answer = section(text, "headline")
    assert answer.split("Answer", 1)[1].lstrip().startswith("Scenario by scenario")  # the scenarios' answers first
    assert "Pooled over all 2 base scenarios" in answer
    for name in ("small", "flat"):
        alone = paired_comparisons(runs[runs["scenario"] == name], "isolated", ["final_outcome"], by=[])
        difference = alone["difference"].iloc[0]
        assert f"{name} {difference:+.3f}" in answer, (name, difference, answer)
    table = section(text, "key-table")
    assert "By scenario" in table and table.count("final outcome") == 3  # pooled row, then one per scenario
    assert "small" in section(text, "details") and "flat" in section(text, "details")
    outlined = outline(text)
    assert outlined.problems == [] and outlined.open == []
    # One base scenario: no by-scenario table, and the tables say nothing about a scenario.
    assert "By scenario" not in reports["tiny"] and "Scenario by scenario" not in reports["tiny"]


def test_scenarios_that_go_opposite_ways_get_no_pooled_verdict(tmp_path):
    """The shipped 'when it fails' experiment: converging too early loses to isolated impact, the other scenarios
    win. A pooled verdict ("scenario did better") would speak for none of them, so the answer names which scenarios
    went which way, as their own comparisons say, and gives the pooled average without a verdict of its own."""
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep

    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "when_it_fails"
    run_sweep(load_experiment(root / "experiments" / "when_it_fails.toml", replicates=12), folder, executor="serial")
    runs = Results.of(folder).done
    # The 'By scenario' table's rows (checked against each scenario's runs alone above); clear where the interval
    # excludes 0 and Holm's correction over the table's 10 rows keeps Wilcoxon's p under 0.05.
    table = paired_comparisons(runs, "isolated", ["final_outcome", "total_spend"], by=["scenario"])
    rows = table[(table["metric"] == "final_outcome") & (table["p_holm"] < 0.05)]
    worse = rows.loc[rows["ci_high"] < 0, "scenario"].tolist()
    better = rows.loc[rows["ci_low"] > 0, "scenario"].tolist()
    assert worse and better  # the premise: clearly opposite ways at these 12 pairs
    answer = html.unescape(re.sub(r"<[^>]+>", "", section(build_report(folder), "headline")))
    assert "No single answer: the scenarios go opposite ways." in answer
    assert "did better than" not in answer and "did worse than" not in answer
    verdict = answer.split("Clearly worse than isolated in ", 1)[1].split(". What follows", 1)[0]
    said_worse, said_better = verdict.split("; clearly better in ")
    assert sorted(said_worse.split(", ")) == sorted(worse)
    assert sorted(said_better.split(", ")) == sorted(better)
    assert "What follows is the average over all 5 base scenarios" in answer
    # Five scenarios of one design point each are five scenarios, and the pooled figures say they pool them.
    assert "These are averages over 5 base scenarios." in answer and "design points" not in answer
    figures = html.unescape(re.sub(r"<[^>]+>", "", section(build_report(folder), "figures")))
    assert "on average over the 5 base scenarios, which the figure pools (the answer gives each one's)" in figures


def test_designs_over_scenarios_that_go_opposite_ways_get_no_pooled_verdict_either(tmp_path):
    """Three designs on two scenarios: converging too early, where both coalition designs lose to isolated impact,
    and `complex`, where both win. The one verdict in bold is that there is no single answer; the designs'
    pooled answer follows, said as pooled."""
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep

    (tmp_path / "both.toml").write_text(
        'name = "both"\ndescription = "two scenarios, three designs"\n'
        'scenarios = ["premature_convergence", "complex"]\nseed = 5\nreplicates = 12\n'
        '[arms.isolated]\npreset = "isolated"\n[arms.scenario]\npreset = "scenario"\n'
        '[arms.collective]\npreset = "collective"\n'
    )
    folder = tmp_path / "results"
    run_sweep(load_experiment(tmp_path / "both.toml"), folder, executor="serial")
    table = paired_comparisons(Results.of(folder).done, "isolated", ["final_outcome", "total_spend"], by=["scenario"])
    outcome = table[(table["metric"] == "final_outcome") & (table["p_holm"] < 0.05)]
    assert (outcome["ci_high"] < 0).any() and (outcome["ci_low"] > 0).any()  # the premise: opposite ways
    text = build_report(folder)
    answer = text[text.index('id="headline"') : text.index('id="key-table"')]  # as written, bold included
    assert answer.count("<strong>") == 2  # "Scenario by scenario" and "No single answer", nothing pooled
    assert "<strong>No single answer: the scenarios go opposite ways.</strong>" in answer
    assert "Pooled over every scenario, " in answer


def test_scenarios_that_agree_keep_the_pooled_verdict(side_by_side):
    """Where no scenario goes the other way, the pooled answer keeps its verdict."""
    answer = section(build_report(side_by_side), "headline")
    assert "No single answer" not in answer
    assert "Pooled over all 2 base scenarios, as the key table is:" in answer


@pytest.fixture(scope="module")
def coverage_grid(tmp_path_factory):
    """The shipped where_it_stops_paying experiment: `complex` with the share of the problem the shared indicators
    track as its one factor, from the least they can track to all of it (240 runs)."""
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep

    experiment = load_experiment(Path(__file__).resolve().parents[2] / "experiments" / "where_it_stops_paying.toml")
    folder = tmp_path_factory.mktemp("coverage") / "results"
    run_sweep(experiment, folder, executor="serial")
    return folder


def _holm(p_values):
    """Holm's step-down adjustment, written out here to check the report's."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def test_a_one_factor_grid_says_where_the_advantage_changes_sign(coverage_grid):
    """From each level's runs alone: the mean paired differences, the zero between the two levels where they
    change sign (a straight line between them), and which levels are clearly above or below zero (interval and
    Holm's correction over the levels)."""
    runs = Results.of(coverage_grid).done
    factor = "backbone.measurement_coverage"
    levels = sorted(runs[factor].unique())
    alone = [
        paired_comparisons(runs[runs[factor] == level], "isolated", ["final_outcome"], by=[]).iloc[0]
        for level in levels
    ]
    differences = [row["difference"] for row in alone]
    holm = _holm([row["p_wilcoxon"] for row in alone])
    changes = [(i, i + 1) for i in range(len(levels) - 1) if differences[i] * differences[i + 1] < 0]
    assert changes  # the premise: with no shared data worth reading, the coalition falls behind
    answer = html.unescape(re.sub(r"<[^>]+>", "", section(build_report(coverage_grid), "headline")))
    assert f"Along {factor}, collective's advantage over isolated changes sign" in answer
    for i, j in changes:
        zero = levels[i] + (levels[j] - levels[i]) * differences[i] / (differences[i] - differences[j])
        assert (
            f"between {levels[i]:g} ({differences[i]:+.3f}) and {levels[j]:g} ({differences[j]:+.3f}), reaching "
            f"zero near {zero:.3g}" in answer
        )
    above = [f"{v:g}" for v, row, p in zip(levels, alone, holm, strict=True) if p < 0.05 and row["ci_low"] > 0]
    below = [f"{v:g}" for v, row, p in zip(levels, alone, holm, strict=True) if p < 0.05 and row["ci_high"] < 0]
    said = answer.split("It is ", 1)[1].split(" (paired runs", 1)[0]
    for how, values in (("clearly above zero", above), ("clearly below zero", below)):
        if values:
            shown = values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]
            assert f"{how} at {factor} = {shown}" in said
        else:
            assert how not in said


def test_a_grid_of_two_factors_or_a_sample_says_nothing_of_one_factor(reports):
    for name in ("tiny", "saltelli", "morris"):
        assert "advantage over isolated changes sign" not in reports[name]
        assert "keeps one sign over the levels tried" not in reports[name]


def test_an_advantage_that_keeps_its_sign_is_said_so_with_its_clear_levels():
    from cisim.analysis.findings import Along
    from cisim.report import words

    along = Along(
        "costs.coordination_cost", "collective", "isolated", (1.0, 4.0, 16.0), (0.3, 0.2, 0.01), (1.0, 4.0), (), ()
    )
    text = words.along_sentence(along)
    assert "keeps one sign over the levels tried: +0.300 at 1, +0.010 at 16." in text
    assert (
        "It is clearly above zero at costs.coordination_cost = 1 and 4; not distinguishable from zero at "
        "costs.coordination_cost = 16 (" in text
    )
    assert "below" not in text


def test_the_advantage_along_the_grid_is_drawn_with_each_levels_interval_and_the_zero(coverage_grid, drawn, tmp_path):
    """The figure draws the same numbers as the sentence: each level's paired difference and interval, and a line
    where the mean changes sign."""
    import cisim.plots.results as figures
    from cisim.analysis.findings import along_the_factor

    results = Results.of(coverage_grid)
    figures.advantage_along(results, tmp_path)
    ax = drawn[0].axes[0]
    table = paired_comparisons(results.done, "isolated", ["final_outcome"], by=["backbone.measurement_coverage"])
    line = next(line for line in ax.get_lines() if len(line.get_xdata()) == len(table))
    np.testing.assert_allclose(np.asarray(line.get_ydata(), float), table["difference"])
    np.testing.assert_allclose(np.asarray(line.get_xdata(), float), table["backbone.measurement_coverage"])
    (crossing,) = along_the_factor(results, "isolated")[0].crossings
    verticals = [float(line.get_xdata()[0]) for line in ax.get_lines() if len(set(line.get_xdata())) == 1]
    assert verticals == [pytest.approx(crossing[2])]
    assert any(text.get_text() == f"zero near {crossing[2]:.3g}" for text in ax.texts)


def test_the_report_of_a_one_factor_grid_shows_the_advantage_along_it(coverage_grid):
    figures = section(build_report(coverage_grid), "figures")
    assert "The advantage over the baseline at each level of the one factor" in figures
    assert "skipped along" not in figures


def test_the_advantage_along_a_factor_is_not_drawn_for_two_factors_and_says_why(sweeps, tmp_path):
    import cisim.plots.results as figures

    with pytest.raises(
        figures.Skip, match=re.escape("one numeric factor on one base scenario; these results vary problem.k")
    ):
        figures.advantage_along(Results.of(sweeps["tiny"]), tmp_path)


def test_analyze_prints_where_the_advantage_changes_sign_in_plain_words(coverage_grid, tmp_path):
    """`cisim analyze` on a one-factor grid ends its table of paired differences with the report's sentence, as
    plain text (no HTML) for the terminal."""
    from click.testing import CliRunner

    from cisim.analysis.findings import along_the_factor
    from cisim.cli import main
    from cisim.report.words import along_sentence

    result = CliRunner().invoke(main, ["analyze", str(coverage_grid), "--out", str(tmp_path / "analysis")])
    assert result.exit_code == 0, result.output
    (along,) = along_the_factor(Results.of(coverage_grid), "isolated")
    expected = along_sentence(along, html=False)
    assert "<" not in expected and "&" not in expected
    assert " ".join(expected.split()) in " ".join(result.output.split())
