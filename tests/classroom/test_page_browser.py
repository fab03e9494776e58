"""The classroom page in a real browser: `cisim app` served, driven in headless Chromium as a teacher would.

Saves tests/artifacts/classroom-page.png (both sides after a few steps),
tests/artifacts/classroom-page-technical.png (after picking another scenario and playing) and
tests/artifacts/classroom-page-built.png (condition levels built, without a backbone, after a few steps).
"""

import re
import time

import pytest

from cisim.scenarios import load_scenario
from tests.browser import ROOT, Console, browser, cisim_command, free_port, require_chromium, save_screenshot, served

pytestmark = pytest.mark.slow  # a server start and a browser session: about half a minute

LIVE = re.compile(r"step (\d+) of (\d+) · outcome ([0-9.]+)")
#: Complexity of the shipped scenarios the test opens, read from their files.
COMPLEX_K = load_scenario(ROOT / "scenarios" / "complex.toml")["problem.k"]
TECHNICAL_K = load_scenario(ROOT / "scenarios" / "technical.toml")["problem.k"]


@pytest.fixture(scope="module")
def page_address(tmp_path_factory):
    require_chromium()
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    with served(cisim_command("app", "complex", "--port", str(port)), port, log) as address:
        yield address


@pytest.fixture
def page(page_address, tmp_path):
    console = Console()
    with browser(tmp_path / "profile", height=2300) as context:
        tab = console.watch(context.new_page())
        tab.goto(page_address)
        tab.wait_for_selector(".cisim-live-coalition", timeout=60_000)
        yield tab
    assert console.errors == [], "\n".join(console.errors)


def live(tab, side):
    """Step, run length and community outcome shown on one side."""
    match = LIVE.search(tab.inner_text(f".cisim-live-{side}"))
    assert match, tab.inner_text(f".cisim-live-{side}")
    return int(match[1]), int(match[2]), float(match[3])


def wait_for(condition, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def outcome_pictures(tab):
    return [tab.locator(f".cisim-image-outcome-{side}").screenshot() for side in ("isolated", "coalition")]


def slider(tab, label):
    return tab.locator(".v-input", has_text=label).locator("[role=slider]")


def pending_notice(tab):
    """Whether the page says, near RESET, that changed settings wait for it."""
    return tab.locator(".cisim-pending", has_text="press RESET").count() == 1


def test_a_new_seed_waits_for_reset_and_the_page_says_so(page):
    assert not pending_notice(page)
    seed = page.locator(".v-input", has_text="Seed").locator("input")
    seed.fill("9")
    wait_for(lambda: pending_notice(page), "the notice that the new seed waits for RESET")
    assert live(page, "isolated")[0] == 0  # nothing rebuilt yet
    save_screenshot(page, "classroom-pending.png")
    time.sleep(1.0)  # let the seed reach the server before Reset reads it
    page.get_by_role("button", name="Reset").click()
    wait_for(lambda: not pending_notice(page), "the notice to go once RESET applied the seed")


def test_a_slider_and_steps_change_both_outcome_plots_which_then_differ(page):
    assert page.locator(".cisim-title", has_text="Isolated impact").count() >= 4
    assert page.locator(".cisim-title", has_text="Coalition design").count() >= 4
    assert live(page, "isolated")[0] == 0 and live(page, "coalition")[0] == 0
    assert f"k = {COMPLEX_K} " in page.inner_text(".cisim-outcome-isolated")

    # Move the complexity slider two notches, then reset both simulations with it.
    k = slider(page, "Complexity k")
    moved = COMPLEX_K - 2 if COMPLEX_K >= 2 else COMPLEX_K + 2
    k.focus()
    for _ in range(2):
        page.keyboard.press("ArrowLeft" if moved < COMPLEX_K else "ArrowRight")
    wait_for(lambda: k.get_attribute("aria-valuenow") == str(moved), f"the slider to move to {moved}")
    # The label is drawn by the server: once it shows the value, RESET reads that value (the slider moves first).
    shown = page.locator(".v-input", has_text=f"Complexity k: {moved}")
    wait_for(lambda: shown.count() == 1, f"the page to show k = {moved}")
    wait_for(lambda: pending_notice(page), "the notice that a changed setting waits for RESET")
    page.get_by_role("button", name="Reset").click()
    wait_for(lambda: f"k = {moved} " in page.inner_text(".cisim-outcome-isolated"), f"a reset with k = {moved}")
    wait_for(lambda: not pending_notice(page), "the notice to go once RESET applied the setting")
    before = outcome_pictures(page)

    for step in range(1, 6):
        page.get_by_role("button", name="Step").click()
        wait_for(lambda step=step: live(page, "isolated")[0] == step and live(page, "coalition")[0] == step, "a step")
    after = outcome_pictures(page)
    save_screenshot(page, "classroom-page.png")

    assert after[0] != before[0], "the isolated side's outcome plot did not change"
    assert after[1] != before[1], "the coalition side's outcome plot did not change"
    assert after[0] != after[1]
    isolated, coalition = live(page, "isolated")[2], live(page, "coalition")[2]
    assert isolated != coalition, "both sides show the same community outcome"


def test_the_picker_swaps_scenario_and_sliders_and_play_runs_both(page):
    page.locator(".v-select", has_text="Scenario").click()
    page.locator(".v-list-item", has_text="technical").click()
    wait_for(lambda: "technical:" in page.inner_text(".cisim-outcome-coalition"), "the technical scenario")
    k = slider(page, "Complexity k")
    wait_for(lambda: k.get_attribute("aria-valuenow") == str(TECHNICAL_K), "the k slider to take technical's k")
    assert f"k = {TECHNICAL_K}" in page.inner_text(".cisim-outcome-isolated")

    page.get_by_role("button", name="▶").click()
    wait_for(lambda: live(page, "coalition")[0] >= 3, "play to run three steps")
    page.get_by_role("button", name="❚❚").click()
    time.sleep(0.5)
    isolated_step, coalition_step = live(page, "isolated")[0], live(page, "coalition")[0]
    assert isolated_step == coalition_step >= 3
    save_screenshot(page, "classroom-page-technical.png")


def choose(tab, select, option):
    """Pick ``option`` in the sidebar's list labelled ``select``."""
    tab.locator(".v-select", has_text=select).click()
    tab.locator(".menuable__content__active .v-list-item", has_text=option).click()


def test_built_condition_levels_are_drawn_on_the_coalition_side_after_reset(page):
    # The complex scenario holds its levels fixed: the conditions view says so instead of drawing them.
    assert page.locator(".cisim-image-conditions-coalition").count() == 0
    assert "Held fixed" in page.inner_text(".cisim-conditions-coalition")
    assert "held fixed" in page.inner_text(".cisim-outcome-coalition")

    choose(page, "Condition levels", "built")
    backbone = slider(page, "Backbone")
    backbone.focus()
    page.keyboard.press("Home")
    wait_for(lambda: float(backbone.get_attribute("aria-valuenow")) == 0.0, "the backbone slider to reach 0")
    shown = page.locator(".v-input", has_text="Backbone: 0.00")
    wait_for(lambda: shown.count() == 1, "the page to show the backbone at 0")
    page.get_by_role("button", name="Reset").click()
    wait_for(lambda: "built over the run" in page.inner_text(".cisim-outcome-coalition"), "a reset with built levels")
    assert "backbone 0.00" in page.inner_text(".cisim-outcome-coalition")
    page.locator(".cisim-image-conditions-coalition").wait_for(timeout=20_000)
    before = page.locator(".cisim-image-conditions-coalition").screenshot()

    for step in range(1, 6):
        page.get_by_role("button", name="Step").click()
        wait_for(lambda step=step: live(page, "coalition")[0] == step, "a step")
    time.sleep(0.5)  # the pictures follow the live line
    assert page.locator(".cisim-image-conditions-coalition").screenshot() != before, "the levels were not redrawn"
    assert (
        page.locator(".cisim-image-spend-isolated").count() == page.locator(".cisim-image-spend-coalition").count() == 1
    )
    save_screenshot(page, "classroom-page-built.png")
