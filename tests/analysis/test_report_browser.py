"""The HTML report in a real browser: it loads from the file alone, with no console errors, and is screenshotted.

Saves tests/artifacts/report.png.
"""

import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep
from tests.browser import Console, browser, require_chromium, save_screenshot

pytestmark = pytest.mark.slow  # a small sweep and a browser session: about ten seconds

#: The report's parts, by id. The report carries them all, so each must be there (with False, only those
#: present would be checked).
REQUIRE_SECTION_IDS = True
SECTION_IDS = ("headline", "key-table", "figures", "warnings")

SCENARIO = """name = "tiny"
description = "a small complex problem"
[problem]
n_elements = 8
k = 3
[organizations]
n_organizations = 5
[run]
steps = 8
"""

EXPERIMENT = """name = "report_in_browser"
description = "two conditions on or off, against isolated impact, with and without a backbone"
scenarios = ["tiny"]
seed = 5
replicates = 3
baseline = "no_backbone"
[arms.isolated]
preset = "isolated"
[arms.no_backbone]
preset = "collective"
"conditions.backbone" = 0.0
[arms.design]
preset = "collective"
[factors]
"conditions.common_agenda" = [0.0, 1.0]
"conditions.communication" = [0.0, 1.0]
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    require_chromium()
    root = tmp_path_factory.mktemp("report")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "tiny.toml").write_text(SCENARIO)
    (root / "experiments").mkdir()
    experiment = root / "experiments" / "report_in_browser.toml"
    experiment.write_text(EXPERIMENT)
    run_sweep(load_experiment(experiment), root / "results", executor="serial")
    target = root / "report.html"
    result = CliRunner().invoke(main, ["report", str(root / "results"), "--out", str(target)])
    assert result.exit_code == 0, result.output
    return target


def test_the_report_loads_in_chromium_without_console_errors(report, tmp_path):
    console = Console()
    with browser(tmp_path / "profile") as context:
        page = console.watch(context.new_page())
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        save_screenshot(page, "report.png")

        assert page.locator("h1").first.inner_text().strip()
        images = page.locator("img")
        assert images.count() > 0
        for index in range(images.count()):
            assert page.evaluate(
                "image => image.complete && image.naturalWidth > 0", images.nth(index).element_handle()
            )

        present = [name for name in SECTION_IDS if page.locator(f"#{name}").count()]
        if REQUIRE_SECTION_IDS or present:
            assert present == list(SECTION_IDS), f"report parts missing: {set(SECTION_IDS) - set(present)}"
            for name in ("headline", "key-table", "figures"):
                assert page.locator(f"#{name}").inner_text().strip(), f"#{name} is empty"
            # three designs and a baseline: the best against the baseline, then design by design
            answer = page.locator("#headline").inner_text()
            assert "no_backbone" in answer and "Design by design, each against the one before it" in answer
    assert failed == [], failed
    assert console.errors == [], "\n".join(console.errors)
