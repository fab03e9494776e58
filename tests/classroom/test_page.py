"""The classroom page as a teacher changes it, rendered without a browser: what waits for RESET, and says so."""

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from cisim.classroom.page import Page
from cisim.classroom.pair import DEFAULT_SEED

#: What the top panel says while the sidebar's settings wait for RESET.
WAITING = "Changed settings apply when you press RESET"


@pytest.fixture
def page():
    """The whole page, rendered in its app layout (the sidebar needs it), closed after the test."""
    _, rendered = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rendered
    rendered.close()


def texts(rendered):
    """Every line of text on the page, in order."""

    def lines(widget):
        children = getattr(widget, "children", None) or []
        if isinstance(widget, v.Html) and all(isinstance(child, str) for child in children):
            yield " ".join(children)
        for child in children:
            if isinstance(child, ipywidgets.Widget):
                yield from lines(child)

    return list(lines(rendered.container))


def notice(rendered):
    """The top panel's line on settings waiting for RESET, or ``None``."""
    return next((text for text in texts(rendered) if WAITING in text), None)


def status(rendered):
    return next(text for text in texts(rendered) if text.startswith("Step "))


def press(rendered, name):
    rendered.find(v.Btn, children=[name]).widget.click()


def test_a_new_seed_typed_waits_for_reset_and_says_so(page):
    assert notice(page) is None
    page.find(v.TextField, label="Seed (the same for both sides)").widget.v_model = "9"
    assert notice(page) is not None and "seed" in notice(page)
    page.find(v.TextField).widget.v_model = f" {DEFAULT_SEED}"  # the opening seed again: nothing waits
    assert notice(page) is None
    page.find(v.TextField).widget.v_model = "9"
    press(page, "Reset")
    assert notice(page) is None


def test_a_moved_slider_waits_for_reset_and_a_pick_or_reset_clears_the_notice(page):
    slider = next(widget for widget in page.find(v.Slider).widgets if widget.label.startswith("Backbone:"))
    slider.v_model = 0.0 if slider.v_model else 0.5
    assert notice(page) is not None and "Backbone" in notice(page)
    press(page, "Step")
    assert notice(page) is not None and status(page).startswith("Step 1 ")  # stepping runs the old settings on
    press(page, "Reset")
    assert notice(page) is None and status(page).startswith("Step 0 ")
    slider.v_model = 0.25
    assert notice(page) is not None
    picker = page.find(v.Select, label="Scenario").widget
    picker.v_model = next(name for name in picker.items if name != picker.v_model)
    assert notice(page) is None


def classed(rendered, name):
    """The lines of text on the page whose classes include ``name``, in order."""

    def lines(widget):
        children = getattr(widget, "children", None) or []
        if isinstance(widget, v.Html) and name in (widget.class_ or "").split():
            yield " ".join(child for child in children if isinstance(child, str))
        for child in children:
            if isinstance(child, ipywidgets.Widget):
                yield from lines(child)

    return list(lines(rendered.container))


def seed_box(rendered):
    return rendered.find(v.TextField, label="Seed (the same for both sides)").widget


def test_text_that_is_no_seed_is_said_beside_the_seed_box_and_beside_reset(page):
    """Both where the teacher looks: under the seed box and in the top panel by RESET, not below the fold."""
    seed_box(page).v_model = "abc"
    waiting = "Seed 'abc' is not a whole number of 0 or more; RESET will use 0."
    assert classed(page, "cisim-seed-warning") == [waiting, waiting]  # the sidebar's, then the top panel's
    assert [waiting] == [text for text in classed(page, "cisim-pending") if "Seed" in text]
    assert seed_box(page).error
    press(page, "Reset")
    running = "Seed 'abc' is not a whole number of 0 or more; using 0."
    assert classed(page, "cisim-seed-warning") == [running, running]
    assert texts(page).count(running) == 2  # said near RESET and the seed box, and no more under the charts
    seed_box(page).v_model = "4"
    assert classed(page, "cisim-seed-warning") == [] and not seed_box(page).error


def test_a_pick_that_drops_a_typed_seed_says_so_near_the_picker(page):
    picker = page.find(v.Select, label="Scenario").widget
    others = [name for name in picker.items if name != picker.v_model]
    picker.v_model = others[0]  # the page's own seed in the box: nothing is dropped, nothing said
    assert classed(page, "cisim-picked") == []
    seed_box(page).v_model = " 9"
    picker.v_model = others[1]
    assert classed(page, "cisim-picked") == [
        f"Picked {others[1]}: its own settings and seed {DEFAULT_SEED} (the seed typed before was 9)."
    ]
    assert seed_box(page).v_model == str(DEFAULT_SEED)
    seed_box(page).v_model = "8"  # the teacher types again: the line has done its work
    assert classed(page, "cisim-picked") == []
    picker.v_model = others[0]
    assert classed(page, "cisim-picked") != []
    press(page, "Reset")
    assert classed(page, "cisim-picked") == []


def test_a_scenario_file_the_picker_leaves_out_is_named_under_it(tmp_path, monkeypatch):
    """A teacher's file with a mistake does not go missing from the picker without a word: the page says why."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.toml").write_text('name = "mine"\ndescription = "fine"\n')
    (tmp_path / "scenarios" / "typo.toml").write_text('name = "typo"\ndescription = "x"\n[conditions]\nbackbon = 0.5\n')
    _, rendered = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        picker = rendered.find(v.Select, label="Scenario").widget
        assert "mine" in picker.items and "typo" not in picker.items
        alerts = [" ".join(str(c) for c in a.children) for a in rendered.find(v.Alert).widgets]
        assert alerts == [
            "Left out of the picker: scenarios/typo.toml: unknown field 'conditions.backbon' (did you mean 'backbone'?)"
        ], alerts
    finally:
        rendered.close()


def test_across_domains_is_idle_while_k_is_0(page):
    """At k = 0 no interaction crosses domains: the slider says it has no effect and cannot be moved, until k rises."""

    def across():
        return next(s for s in page.find(v.Slider).widgets if s.label.startswith("Across domains"))

    assert not across().disabled and "no effect" not in across().label
    k = next(s for s in page.find(v.Slider).widgets if s.label.startswith("Complexity k"))
    k.v_model = 0
    assert across().disabled and across().label.endswith("(no effect at k = 0)")
    k.v_model = 3
    assert not across().disabled


def test_back_to_the_scenarios_own_settings_after_changes_and_a_reset(page):
    """Picking the scenario already picked does nothing (the picker's value does not change), so after a class
    moved sliders and pressed RESET there was no way back to its own settings but picking another one first.
    A button under the picker appears once anything differs from them and does what a pick of it does."""
    back = "Back to the scenario's own settings"
    assert not page.find(v.Btn, children=[back]).widgets
    slider = next(widget for widget in page.find(v.Slider).widgets if widget.label.startswith("Backbone:"))
    opening = slider.v_model
    slider.v_model = 0.0
    page.find(v.TextField, label="Seed (the same for both sides)").widget.v_model = "9"
    press(page, "Reset")
    press(page, "Step")
    assert status(page).startswith("Step 1 ") and slider.v_model == 0.0
    press(page, back)
    slider = next(widget for widget in page.find(v.Slider).widgets if widget.label.startswith("Backbone:"))
    assert slider.v_model == opening and status(page).startswith("Step 0 ") and notice(page) is None
    assert page.find(v.TextField, label="Seed (the same for both sides)").widget.v_model == str(DEFAULT_SEED)
    assert not page.find(v.Btn, children=[back]).widgets


def test_the_coalitions_line_says_when_no_new_money_comes_in():
    """coordination_overload (no funds raised, no budget from engagement) read word for word as complex on the page."""
    from pathlib import Path

    from cisim.classroom.page import _design_line
    from cisim.classroom.pair import SideBySide
    from cisim.scenarios.scenario import load_scenario

    scenarios = Path(__file__).parents[2] / "scenarios"
    lines = {
        name: _design_line(SideBySide(base=load_scenario(scenarios / f"{name}.toml")), "coalition")
        for name in ("complex", "coordination_overload")
    }
    assert "no new money comes in" in lines["coordination_overload"]
    assert "no new money" not in lines["complex"]
    overload = load_scenario(scenarios / "coordination_overload.toml")
    for values in ({"intercooperation__joint_bids": 1.0}, {"costs__backbone_paid_by": "funder"}):  # money comes in
        assert "no new money" not in _design_line(SideBySide(base=overload.with_values(**values)), "coalition")
