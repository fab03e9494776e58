"""The fair contest (MODEL.md section 3): information is paid for, organizations act on what they know, isolated
organizations are independent but not deaf, and each condition can mislead as well as help.

Each rule is checked where it acts (a kernel, or a model stepped by hand) or, for its effect, over 10 paired
replicates with the 95 % interval of the paired difference excluding zero (``tests.conftest.paired_means``).
"""

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel
from cisim.model.conditions import agenda_weights, perceive, tracked_elements
from cisim.organizations.behaviour import Perception, recall
from cisim.scenarios.schema import CONDITIONS
from tests.conftest import paired_means

ALL_ON = {f"conditions__{c}": 1.0 for c in CONDITIONS}


def rises(first, second, column, **kw):
    low, high, half = paired_means(first, second, column, **kw)
    assert high - low > half, f"{column}: {low:.4f} -> {high:.4f} (95 % CI half-width {half:.4f})"


# ---------------------------------------------------------------- information is paid for
def test_every_reading_of_a_candidate_change_counts_and_offers_come_out_of_capacity(small):
    """candidates_evaluated is own search + offers read + the plans' combined readings + the backbones' readings
    for policy, every step; and reading
    offers leaves less capacity for one's own search, so no organization reads more than its capacity."""
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective").with_values(run__steps=30), rng=3)
    offers = 0
    for _ in range(30):
        capacity = model.population.capacity.copy()
        model.step()
        assert model.candidates_evaluated == (
            model.candidates_searched + model.offers_read + model.plan_readings + model.policy_readings
        )
        assert model.candidates_searched + model.offers_read <= capacity.sum()
        assert model.plan_readings <= len(model.regions)
        offers += model.offers_read
    assert offers > 0  # members did read what neighbours offered


def test_listening_costs_search(small):
    """A member that reads what a neighbour offers has that much less capacity for its own candidates."""
    talking = small.with_arm("collective").with_values(
        conditions__reinforcing_activities=0.0, organizations__capacity=1
    )
    quiet = talking.with_values(conditions__communication=0.0, communication__informal=0.0)
    searched, offers = [], []
    for scenario in (quiet, talking):
        model = CollectiveImpactModel.from_scenario(scenario, rng=8)
        totals = np.zeros(2)
        for _ in range(25):
            model.step()
            totals += (model.candidates_searched, model.offers_read)
        searched.append(totals[0])
        offers.append(totals[1])
    assert offers[0] == 0 and offers[1] > 0
    assert searched[1] < searched[0]


def test_shared_measurement_has_a_lag(small):
    """With backbone.shared_lag the shared system's data describe the problem as it was that many steps ago."""
    turbulent = small.with_arm("collective").with_values(problem__turbulence=1.0, problem__turbulence_interval=5)
    model = CollectiveImpactModel.from_scenario(turbulent.with_values(backbone__shared_lag=3), rng=2)
    late = []
    for _ in range(12):
        model.step()
        view = model._problem_view(model.member_levels())
        late.append(bool(view.table_of.any()))
    assert any(late)  # some steps members read the problem as it was
    timely = CollectiveImpactModel.from_scenario(
        turbulent.with_values(backbone__shared_lag=0, organizations__data_lag=0), rng=2
    )
    for _ in range(12):
        timely.step()
        assert not timely._problem_view(timely.member_levels()).table_of.any()


# ---------------------------------------------------------------- what the conditions make organizations weigh
def _perceive(levels, member, coverage=1.0, capture=0.0, noise=0.1, shared=0.01):
    domain_mask = np.zeros((4, 8), dtype=bool)
    for o in range(4):
        domain_mask[o, 2 * o : 2 * o + 2] = True
    region = np.zeros(4, dtype=np.intp)
    agenda = agenda_weights(domain_mask, region, np.array([1.0, 3.0, 2.0, 1.0]), 1, capture)
    tracked = tracked_elements(8, coverage)
    applying, fields = perceive(
        np.array([levels], dtype=float), region, member, domain_mask, np.full(4, noise), agenda, tracked, shared
    )
    return applying, Perception(*fields)


def test_alone_an_organization_weighs_its_own_domains_and_reads_them_with_its_own_noise():
    _, perception = _perceive([1, 1, 1, 1, 1], np.zeros(4, dtype=bool))
    np.testing.assert_allclose(perception.target[0], [0.5, 0.5, 0, 0, 0, 0, 0, 0])
    assert perception.scale_own[0] == pytest.approx(0.1) and perception.scale_rest[0] == 0.0


def test_a_full_member_weighs_the_community_and_reads_it_through_the_shared_system():
    _, perception = _perceive([1, 1, 1, 1, 1], np.ones(4, dtype=bool))
    np.testing.assert_allclose(perception.target[0], np.full(8, 1 / 8))
    # One system, one error: the reading's noise is the shared system's (two independent draws of 0.005 each
    # would read with 0.0071).
    assert np.hypot(perception.scale_own[0], perception.scale_rest[0]) == pytest.approx(0.01)
    _, half = _perceive([1, 0.5, 1, 1, 1], np.ones(4, dtype=bool))
    assert np.hypot(half.scale_own[0], half.scale_rest[0]) >= 0.5 * 0.01


def test_what_the_shared_system_does_not_track_a_member_relying_on_it_does_not_see():
    """Coverage 0.5 of four domains: the first two measured; a full member weighs only what is measured."""
    _, perception = _perceive([1, 1, 1, 1, 1], np.ones(4, dtype=bool), coverage=0.5)
    np.testing.assert_allclose(perception.target[3], [0.25] * 4 + [0.0] * 4)  # even its own domain goes unseen
    _, half = _perceive([1, 0.5, 1, 1, 1], np.ones(4, dtype=bool), coverage=0.5)
    np.testing.assert_allclose(half.target[3], [0.1875] * 4 + [0.0625] * 4)  # its own data still see the rest


@pytest.mark.parametrize(("coverage", "capture"), [(0.5, 0.0), (0.5, 1.0), (0.25, 1.0)])
def test_a_member_whose_objective_weighs_nothing_tracked_sees_what_the_system_reports(coverage, capture):
    """A full member with no common agenda whose domain is untracked reads, through the shared system, what the
    system reports, the tracked elements alike (the outcome membership reads progress on), never its own
    untracked domain at the system's noise, and no agenda it does not share, captured or not. With the agenda of
    needs this is the limit of a small agenda weight; so is the plan's objective where a captured agenda weighs
    nothing tracked (coverage 0.25: the funder's domain, elements 2 and 3, untracked). (It used to weigh its own
    untracked domain whole.)"""
    member = np.ones(4, dtype=bool)
    tracked = tracked_elements(8, coverage)
    alike = tracked / tracked.sum()
    _, perception = _perceive([0, 1, 1, 1, 1], member, coverage=coverage, capture=capture)
    np.testing.assert_allclose(perception.target[3], alike)  # its own domain (6, 7) unseen
    if capture == 0.0:
        _, limit = _perceive([1e-9, 1, 1, 1, 1], member, coverage=coverage)
        np.testing.assert_allclose(perception.target[3], limit.target[3], atol=1e-8)  # continuous in the agenda
    if coverage == 0.25:
        np.testing.assert_allclose(perception.plan_target[3], alike)


def test_a_captured_agenda_weighs_the_largest_funders_domains():
    """The second organization has the largest budget: capture 0.8 moves 0.8 of the agenda to its domain."""
    _, perception = _perceive([1, 0, 0, 0, 0], np.ones(4, dtype=bool), capture=0.8)
    expected = np.full(8, 0.2 / 8)
    expected[2:4] += 0.4
    np.testing.assert_allclose(perception.target[0], expected)
    np.testing.assert_allclose(perception.plan_target[0], expected)


@pytest.mark.parametrize("change", [{"backbone__measurement_coverage": 0.25}, {"backbone__agenda_capture": 1.0}])
def test_a_condition_that_misleads_lowers_the_outcome(small, change):
    """Measuring a quarter of the problem, or an agenda captured by the largest funder, costs the coalition."""
    full = small.with_arm("collective").with_values(run__steps=40)
    rises(full.with_values(**change), full, "community_outcome")


# ---------------------------------------------------------------- organizations act on what they know
def _read_status_quo(readings, memory=4, noise=0.1):
    """One organization, whose status quo is what it knows, reads it once per call of ``recall``."""
    known = np.zeros((1, 4), dtype=bool)
    belief, count = np.array([-np.inf]), np.zeros(1, dtype=np.intp)
    plan_belief, plan_count = np.array([-np.inf]), np.zeros(1, dtype=np.intp)
    perception = Perception(
        np.full((1, 4), 0.25), np.array([noise]), np.zeros(1), np.full((1, 4), 0.25), np.array([noise]), np.zeros(1)
    )
    history = []
    for reading in readings:
        values, planned = np.array([[reading, 0.0]]), np.array([[reading, 0.0]])
        recall(
            np.zeros((2, 4), dtype=bool),
            values,
            planned,
            np.ones(1, dtype=bool),
            known,
            belief,
            count,
            plan_belief,
            plan_count,
            memory,
            perception,
        )
        assert values[0, 0] == belief[0] and (planned[0, 0], plan_count[0]) == (plan_belief[0], count[0])
        history.append((belief[0], count[0]))
    return history


def test_a_belief_is_the_mean_of_the_last_readings_of_what_it_knows():
    """Readings of one state are averaged, the last ``organizations.memory`` of them (then older ones fade)."""
    history = _read_status_quo([0.50, 0.60, 0.55, 0.45, 0.50, 0.70], memory=4)
    assert history[0] == (0.50, 1)
    assert history[1][0] == pytest.approx(0.55) and history[1][1] == 2
    assert history[3][0] == pytest.approx(0.525) and history[3][1] == 4
    assert history[5][1] == 4  # capped at the memory


def test_a_surprising_reading_starts_a_belief_afresh():
    """A reading more than three times one reading's noise away from the belief: things have changed."""
    history = _read_status_quo([0.50, 0.52, 0.90], noise=0.1)
    assert history[2] == (0.90, 1)
    kept = _read_status_quo([0.50, 0.52, 0.70], noise=0.1)
    assert kept[2][1] == 3  # within three times the noise: averaged in


def test_an_organization_whose_capacity_went_on_offers_reads_nothing_and_keeps_its_belief():
    """Reading a neighbour's offer took its one reading: it revises nothing and reads no status quo this step.

    (It used to count as revising with nothing read, and a status quo it never read (0) replaced its belief.)"""
    model = CollectiveImpactModel(
        rng=5,
        arm="isolated",
        n_organizations=2,
        network="complete",
        revision_rate=1.0,
        informal=1.0,
        trust_initial=1.0,
        steps=10,
    )
    population = model.population
    population.known[0] = model.region_configs[population.region[0]]  # its status quo is what it knows
    population.known[1] = ~population.known[0]  # the neighbour offers something else
    population.capacity[:] = 1  # this step only: the ledger sets it again at the end of the step
    model.belief[:], model.belief_count[:] = 0.99, 2  # so high that no offer looks better
    model.step()
    assert model.offers_read >= 1 and model.candidates_searched == 0
    assert (model.belief[0], model.belief_count[0]) == (0.99, 2)


def test_an_organization_that_joins_or_leaves_starts_its_beliefs_again():
    """Joining or leaving changes the objective an organization weighs: what it believed was read under the other
    one, so both its beliefs start again from its next reading."""
    from cisim.api import resolve_scenario

    moves = 0
    for seed in range(10):
        model = CollectiveImpactModel.from_scenario(resolve_scenario("coordination_overload"), rng=seed)
        for _ in range(100):
            before = model.population.member.copy()
            model.step()
            moved = before != model.population.member
            moves += int(moved.sum())
            assert (model.belief_count[moved] == 0).all() and (model.plan_belief_count[moved] == 0).all()
            assert np.isneginf(model.belief[moved]).all()
    assert moves >= 3  # organizations did join or leave


def test_a_belief_goes_stale_when_the_problem_changes_unseen():
    """After the problem changes, an organization that has not read again still holds its old belief."""
    model = CollectiveImpactModel(
        rng=3,
        arm="isolated",
        n_organizations=2,
        revision_rate=0.0,
        informal=0.0,
        turbulence=1.0,
        turbulence_interval=1,
        steps=10,
    )
    model.belief[:] = 0.5
    for _ in range(5):
        model.step()
    np.testing.assert_array_equal(model.belief, [0.5, 0.5])  # nobody read: nobody updated


# ---------------------------------------------------------------- a fair isolated arm
def test_isolated_organizations_hear_peers_informally(small):
    alone = small.with_arm("isolated").with_values(run__steps=40)
    heard = sum(run_model(alone, seed).series["adoptions"].sum() for seed in range(5))
    deaf = sum(
        run_model(alone.with_values(communication__informal=0.0), seed).series["adoptions"].sum() for seed in range(5)
    )
    assert deaf == 0 and heard > 0


def test_isolated_organizations_take_up_unmet_needs_in_their_domains(small):
    alone = small.with_arm("isolated").with_values(run__steps=40)
    rises(alone, alone.with_values(organizations__gap_uptake=0.0), "gap_share")


def test_coordination_that_takes_program_money_means_less_gets_done(small):
    """Heavy coordination costs lower delivery: members revise less often and read fewer candidates."""
    full = small.with_arm("collective").with_values(run__steps=40)
    rises(full.with_values(costs__coordination_cost=60.0), full, "candidates_evaluated")


# ---------------------------------------------------------------- offers are read within capacity
def _hearing(model: CollectiveImpactModel, belief: np.ndarray, room: int, first: int = 0):
    """Every organization's ``consider`` over every other's configuration: what it takes and how many it reads."""
    from cisim.organizations.behaviour import consider

    levels, perception = model._perceive()
    problem = model._problem_view(levels)
    known = model.population.known
    count, n = known.shape
    z = np.random.default_rng(4).standard_normal((count, count + 1, 2))
    offered = ~np.eye(count, dtype=np.bool_)
    out = []
    unkept, none, index, scratch = (
        np.zeros(0, dtype=np.bool_),
        np.empty((0, n)),
        np.empty(n, dtype=np.intp),
        np.empty(n),
    )
    uncoded, unshared = np.empty(0, dtype=np.int64), np.empty(0)
    rows = np.arange(count)
    for o in range(count):
        heard = (problem, perception, o, 0, known, belief, known, rows, offered, z, unkept, none, index, scratch)
        out.append(consider(*heard, uncoded, unshared, room, first))
    return out


def test_an_organization_reads_no_more_offers_than_its_capacity_leaves():
    """Own solutions on a complete network: every neighbour offers; a listener reads at most ``room`` of them,
    starting where its draw says (it used to read all of them, whatever its capacity)."""
    model = CollectiveImpactModel(rng=3, solutions="own", start="random", network="complete", n_organizations=8)
    belief = np.full(8, np.nan)
    assert all(reads == 7 for _, _, reads, _ in _hearing(model, belief, room=100))
    assert all(reads == 2 for _, _, reads, _ in _hearing(model, belief, room=2))
    assert all(reads == 0 and not taken for _, taken, reads, _ in _hearing(model, belief, room=0))
    starts = {tuple(choice for choice, _, _, _ in _hearing(model, belief, room=1, first=first)) for first in range(8)}
    assert len(starts) > 1  # where it starts decides which neighbour it reads


def test_an_organization_without_a_belief_reads_what_it_knows_before_taking_anything_up():
    """Shared state, before an organization has read what it knows (belief -inf): it reads it (one more reading,
    counted) and compares, as an organization holding its own solution does for free (it used to take up the
    best offer whatever it read, comparing with -inf). Noise-free data: the one who knows the best configuration
    takes nothing up."""
    model = CollectiveImpactModel(
        rng=3, solutions="own", start="random", network="complete", n_organizations=8, measurement_noise=0.0,
        shared_noise=0.0,
    )  # fmt: skip
    fresh = _hearing(model, np.full(8, np.nan), room=100)
    unread = _hearing(model, np.full(8, -np.inf), room=100)
    assert [(c, t) for c, t, _, _ in unread] == [(c, t) for c, t, _, _ in fresh]
    assert [r for _, _, r, _ in unread] == [r + 1 for _, _, r, _ in fresh]
    assert not all(t for _, t, _, _ in unread)  # some offers lose against what the listener knows
    full = _hearing(model, np.full(8, -np.inf), room=7)  # room for the offers, none left to read what it knows
    assert not any(t for _, t, _, _ in full)


def test_late_data_show_the_outcome_as_it_was_then(small):
    """Data that describe an earlier version of the problem show what each configuration achieved then, on the
    scale of that version (its own lowest and highest outcome), not the earlier tables on today's scale: a
    reading does not move because the problem changed after the data were taken."""
    from cisim.problem.compiled import outcome_of

    turbulent = small.with_arm("isolated").with_values(
        problem__turbulence=1.0, problem__turbulence_interval=5, organizations__data_lag=3
    )
    model = CollectiveImpactModel.from_scenario(turbulent, rng=2)
    configs = np.random.default_rng(0).random((20, model.landscape.n_elements)) < 0.5
    checked = 0
    for _ in range(12):
        then = model.landscape.outcome(configs)  # the outcome of each configuration before this step's change
        version = model.landscape.version
        model.step()
        if model.landscape.version == version:
            continue
        view = model._problem_view(model.member_levels())
        assert view.table_of.any()  # everyone's data are three steps late: they describe the version before
        row = int(view.table_of[0])
        index = np.empty(configs.shape[1], dtype=np.intp)
        late = np.array([outcome_of(view, row, configs, c, index) for c in range(len(configs))])
        np.testing.assert_allclose(late, then, rtol=0, atol=1e-12)
        now = np.array([outcome_of(view, 0, configs, c, index) for c in range(len(configs))])
        np.testing.assert_allclose(now, model.landscape.outcome(configs), rtol=0, atol=1e-12)
        checked += 1
    assert checked == 2  # the problem changed at steps 5 and 10


def test_data_late_by_more_than_the_run_so_far_show_the_problem_as_it_began(small):
    """Nobody's data show the future: at step 2, data four steps late describe the problem at the start, not the
    tables redrawn at step 2 (they read the problem as it is now only once their lag has passed a change)."""
    turbulent = small.with_arm("isolated").with_values(
        problem__turbulence=1.0, problem__turbulence_interval=2, organizations__data_lag=4
    )
    model = CollectiveImpactModel.from_scenario(turbulent, rng=5)
    start = model.landscape.tables.copy()
    model.step()
    model.step()  # the problem changes at step 2
    assert not np.array_equal(model.landscape.tables, start)
    np.testing.assert_array_equal(model.problem_as_of(4)[0], start)
    np.testing.assert_array_equal(model.problem_as_of(1)[0], start)  # step 1's tables were the start's
    np.testing.assert_array_equal(model.problem_as_of(0)[0], model.landscape.tables)
    view = model._problem_view(model.member_levels())
    assert view.table_of.any() and not np.array_equal(view.tables[0], view.tables[view.table_of[0]])


def test_membership_reads_progress_through_each_organizations_own_data(small):
    """Whether to join or stay weighs the region's recent progress as the organization's data show it: late by
    its data lag and read with its noise (two readings, now and nine steps before), not the true outcome."""
    scenario = small.with_arm("collective").with_values(
        organizations__data_lag=4, backbone__shared_lag=2, participation__initial_members=0.5
    )
    model = CollectiveImpactModel.from_scenario(scenario, rng=5)
    for _ in range(20):
        model.step()
    history = np.array(model.regions[0].history)
    lags = model.data_lags(model.member_levels()[:, 2])
    assert set(lags.tolist()) == {2, 4}  # members read the shared system, others their own data
    z = np.random.default_rng(1).standard_normal((len(model.population), 2, 2))
    perception = model._perceive()[1]
    model._read_progress(z)
    for o, lag in enumerate(lags):
        now, before = history[-1 - lag], history[-1 - lag - 9]
        noise = perception.plan_scale_own[o] * z[o, :, 0] + perception.plan_scale_rest[o] * z[o, :, 1]
        assert model.progress_read[o] == pytest.approx(max(0.0, now + noise[0] - before - noise[1]), abs=1e-12)
    assert np.unique(model.progress_read).size > 2  # each reads its own
    quiet = CollectiveImpactModel.from_scenario(
        scenario.with_values(organizations__measurement_noise=0.0, backbone__shared_noise=0.0), rng=5
    )
    for _ in range(20):
        quiet.step()
    quiet._read_progress(z)  # without noise a reading is the outcome as it was, whatever the draw
    quiet_history = np.array(quiet.regions[0].history)
    for o, lag in enumerate(quiet.data_lags(quiet.member_levels()[:, 2])):
        expected = max(0.0, quiet_history[-1 - lag] - quiet_history[-1 - lag - 9])
        assert quiet.progress_read[o] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("solutions", "m"), [("shared", 1.0), ("own", 1.0), ("shared", 0.5)])
def test_membership_sees_through_the_shared_system_only_what_it_tracks(small, solutions, m):
    """Under partial coverage a member reads progress through the shared system, for its share m, on the
    elements it tracks, and through its own data, for the rest, on the whole problem; an organization outside
    the coalition reads the whole outcome through its own data. Noise-free and without lags, so each reading is
    a difference of outcomes computed here from the states the run went through."""
    scenario = small.with_arm("collective").with_values(
        conditions__shared_measurement=m,
        backbone__measurement_coverage=0.5,
        organizations__measurement_noise=0.0,
        backbone__shared_noise=0.0,
        organizations__data_lag=0,
        backbone__shared_lag=0,
        participation__initial_members=0.5,
        organizations__solutions=solutions,
    )
    model = CollectiveImpactModel.from_scenario(scenario, rng=5)
    landscape, tracked = model.landscape, model.tracked
    assert 0 < tracked.sum() < tracked.size

    def seen(model):
        states = model.population.known if model.own_solutions else model.region_configs[model.population.region]
        contributions = landscape.contributions(states)
        whole = landscape.normalise(contributions.mean(axis=1))
        part = landscape.normalise(contributions[:, tracked].mean(axis=1))
        return whole.mean(), part.mean()  # one region: its organizations' outcomes (own mode), or its state's

    outcomes = [seen(model)]
    for _ in range(20):
        model.step()
        outcomes.append(seen(model))
    (whole_then, part_then), (whole_now, part_now) = outcomes[-10], outcomes[-1]
    np.testing.assert_allclose(model.regions[0].history[-1], whole_now, atol=1e-12)
    model._read_progress(np.zeros((len(model.population), 2, 2)))
    member = model.population.member
    assert member.any() and not member.all()
    seen = (1 - m) * (whole_now - whole_then) + m * (part_now - part_then)
    np.testing.assert_allclose(model.progress_read[member], max(0.0, seen), atol=1e-12)
    np.testing.assert_allclose(model.progress_read[~member], max(0.0, whole_now - whole_then), atol=1e-12)
    assert abs(max(0.0, seen) - max(0.0, whole_now - whole_then)) > 1e-3  # the two differ here
