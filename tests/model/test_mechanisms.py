"""Every mechanism moves an output when its parameter moves (MODEL.md section 3): none is a stub.

Each statistical test compares two settings over 10 paired replicates (common random numbers) and asserts the
direction of the effect with the 95 % confidence interval of the paired difference excluding zero.
"""

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel
from cisim.model.network import Network, build_graph
from cisim.model.plan import joint_plan
from cisim.organizations.agents import Backbone
from cisim.organizations.behaviour import Candidates, copy_with_errors
from cisim.problem import Landscape
from tests.conftest import paired_means

OFF = {
    f"conditions__{c}": 0.0
    for c in ("common_agenda", "shared_measurement", "reinforcing_activities", "communication", "backbone")
}


def rises(first, second, column, **kw):
    low, high, half = paired_means(first, second, column, **kw)
    assert high - low > half, f"{column}: {low:.4f} -> {high:.4f} (95 % CI half-width {half:.4f})"


def coalition(small, **levels):
    """The small scenario with only the given condition levels on (others at 0)."""
    return small.with_values(**{**OFF, **{f"conditions__{k}": v for k, v in levels.items()}}, run__steps=40)


def own(small, **changes):
    """Own solutions with Lazer and Friedman's rules: one local change a step, exact scores, full trust."""
    rules = dict(
        organizations__solutions="own",
        organizations__capacity=1,
        organizations__revision_rate=1.0,
        organizations__measurement_noise=0.0,
        backbone__shared_noise=0.0,
        communication__trust_initial=1.0,
        communication__trust_decay=0.0,
        communication__offers_cost_capacity=False,  # their actors see every neighbour's score, then copy or explore
    )
    return small.with_values(**{**rules, **changes}).with_arm("collective")


# ---------------------------------------------------------------- the five conditions
def test_common_agenda_raises_the_outcome(small):
    rises(
        coalition(small, shared_measurement=1.0),
        coalition(small, shared_measurement=1.0, common_agenda=1.0),
        "community_outcome",
    )


def test_shared_measurement_raises_the_outcome(small):
    noisy = small.with_values(organizations__measurement_noise=0.2)
    rises(
        coalition(noisy, common_agenda=1.0),
        coalition(noisy, common_agenda=1.0, shared_measurement=1.0),
        "community_outcome",
    )


def test_reinforcing_activities_cut_duplication_and_gaps(small):
    base = dict(common_agenda=1.0, shared_measurement=1.0, communication=1.0)
    without, with_plan = coalition(small, **base), coalition(small, **base, reinforcing_activities=1.0)
    rises(with_plan, without, "duplication_index")
    gapped = {"organizations__element_coverage": 0.4}
    rises(with_plan.with_values(**gapped), without.with_values(**gapped), "gap_share")


def test_communication_builds_trust(small):
    base = dict(common_agenda=1.0, shared_measurement=1.0)
    rises(coalition(small, **base), coalition(small, **base, communication=1.0), "mean_trust")


def test_communication_spreads_better_solutions_between_organizations(small):
    """With own solutions there is something to learn from neighbours: adoptions and the outcome rise."""
    talking = own(small, organizations__n_organizations=20, problem__k=3)
    silent = talking.with_values(conditions__communication=0.0)
    rises(silent, talking, "adoptions")
    rises(silent, talking, "community_outcome")


def test_built_backbone_raises_condition_levels_and_costs(small):
    start = dict(common_agenda=0.2, shared_measurement=0.2, reinforcing_activities=0.2, communication=0.2)
    built = small.with_values(conditions__dynamics="built")
    rises(coalition(built, **start), coalition(built, **start, backbone=1.0), "level_common_agenda", how="last")
    rises(coalition(built, **start), coalition(built, **start, backbone=1.0), "backbone_cost")


def test_built_conditions_erode_without_a_backbone(small):
    built = small.with_values(conditions__dynamics="built")
    series = run_model(coalition(built, common_agenda=1.0, communication=1.0), 1).series
    assert series["level_common_agenda"].iloc[-1] < series["level_common_agenda"].iloc[0]
    still = coalition(built, common_agenda=1.0).with_values(backbone__erosion=0.0)
    assert run_model(still, 1).series["level_common_agenda"].iloc[-1] == 1.0


# ---------------------------------------------------------------- the six backbone roles
ROLE_EFFECTS = {
    "vision": "level_common_agenda",
    "aligned_activities": "level_reinforcing_activities",
    "measurement": "level_shared_measurement",
    "public_will": "engagement",
    "policy": "policy_wins",
    "funding": "funds_mobilized",
}


@pytest.mark.parametrize("role", ROLE_EFFECTS)
def test_each_backbone_role_moves_its_lever(small, role):
    levels = dict(
        common_agenda=0.2, shared_measurement=0.2, reinforcing_activities=0.2, communication=0.2, backbone=1.0
    )
    others = {f"backbone__weight_{r}": 0.01 for r in ROLE_EFFECTS}
    built = small.with_values(conditions__dynamics="built")
    weak = coalition(built, **levels).with_values(**others, backbone__policy_win_rate=0.5)
    strong = weak.with_values(**{f"backbone__weight_{role}": 1.0})
    rises(weak, strong, ROLE_EFFECTS[role], how="last")


def test_the_backbones_effort_follows_its_split_at_every_step_as_the_initiative_matures(small):
    """The effort it spends each step is staff x that step's split, also when the split is kept between steps."""
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=3)
    backbone = next(iter(model.agents_by_type[Backbone]))
    staff = small["backbone.staff_capacity"] * backbone.strength
    seen = set()
    for _ in range(small["backbone.maturity_steps"] + 3):
        model.step()
        split = backbone.effort_split()
        assert backbone.effort == {role: staff * share for role, share in split.items()}
        seen.add(tuple(split.values()))
    assert len(seen) == small["backbone.maturity_steps"]  # one split a step while maturing, then one kept


def test_with_fixed_levels_the_roles_that_build_conditions_leave_them_as_given(small):
    levels = dict(common_agenda=0.2, shared_measurement=0.2, reinforcing_activities=0.2, communication=0.2)
    vision = coalition(small, **levels, backbone=1.0).with_values(backbone__weight_vision=1.0)
    assert (run_model(vision, 1).series["level_common_agenda"] == 0.2).all()


def test_effort_shifts_to_external_roles_as_the_initiative_matures(small):
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=1)
    backbone = next(iter(model.agents_by_type[Backbone]))
    early = backbone.effort_split()
    for _ in range(small["backbone.maturity_steps"]):
        model.step()
    late = backbone.effort_split()
    assert late["vision"] < early["vision"] and late["aligned_activities"] < early["aligned_activities"]
    assert late["public_will"] > early["public_will"] and late["funding"] > early["funding"]
    fixed = CollectiveImpactModel.from_scenario(
        small.with_values(backbone__maturity_shift=False).with_arm("collective"), rng=1
    )
    backbone = next(iter(fixed.agents_by_type[Backbone]))
    before = backbone.effort_split()
    fixed.step()
    assert backbone.effort_split() == before


# ---------------------------------------------------------------- costs, participation, intercooperation
def test_coordination_cost_grows_with_coalition_size(small):
    few = run_model(small.with_values(organizations__n_organizations=4).with_arm("collective"), 1).series
    many = run_model(small.with_values(organizations__n_organizations=16).with_arm("collective"), 1).series
    per_member_few = few["coordination_cost"].iloc[1] / few["coalition_size"].iloc[1]
    per_member_many = many["coordination_cost"].iloc[1] / many["coalition_size"].iloc[1]
    assert per_member_many > per_member_few > 0


def test_coordination_cost_lowers_capacity_and_outcome(small):
    cheap = small.with_arm("collective")
    dear = cheap.with_values(costs__coordination_cost=40.0)
    rises(dear, cheap, "mean_capacity")
    rises(dear, cheap, "community_outcome")


def test_programmes_lapse_when_coordination_takes_their_money(small):
    """With ``costs.lapse_rate``, members short of program money lose what their programmes reached."""
    kept = small.with_values(
        backbone__funding_yield=0.0, participation__engagement_budget_effect=0.0, costs__lapse_rate=0.0
    )
    kept = kept.with_arm("collective")
    lapsing = kept.with_values(costs__lapse_rate=1.0)
    rises(lapsing, kept, "community_outcome")


def test_a_lapse_returns_an_element_to_the_status_quo_unless_another_organization_carries_it():
    model = CollectiveImpactModel(
        lapse_rate=1.0, n_organizations=4, n_elements=8, n_domains=2, element_coverage=1.0, rng=3
    )
    population = model.population
    population.portfolio[:] = False
    population.portfolio[0, [0, 1]] = True  # only organization 0 works on elements 0 and 1
    population.portfolio[1, 1] = True  # organization 1 also works on element 1, and keeps its money
    model.region_configs[0] = ~model.region_starts[0]  # every element away from the status quo
    model.delivery[:] = 1.0
    model.delivery[0] = 0.0  # organization 0 has no program money left: all its programmes lapse
    model._lapse()
    config, start = model.region_configs[0], model.region_starts[0]
    assert config[0] == start[0]  # lapsed, and nobody else carries it
    assert config[1] != start[1]  # carried on by organization 1
    assert (config[2:] != start[2:]).all()  # nobody's programme, nothing lapses


def test_without_coordination_costs_nothing_lapses_and_the_other_draws_stay_as_they_were(small):
    """Isolated organizations pay no coordination: their run is the same with programmes lapsing or not; and a
    lapse rate of 0 leaves every draw of the model as it was (the lapses have a stream of their own)."""
    alone = small.with_arm("isolated")
    first = run_model(alone, 4).series
    second = run_model(alone.with_values(costs__lapse_rate=1.0), 4).series
    assert first.equals(second)
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective").with_values(costs__lapse_rate=1.0), rng=4)
    assert model.params.costs.lapse_rate == 1.0
    model.step()
    assert (model.delivery < 1).any()


def test_programmes_lapse_by_default_in_proportion_to_the_money_lost():
    """Costs bite on the outcome unless a scenario says otherwise: the default lapse rate is the proportional 1."""
    assert CollectiveImpactModel(rng=0).params.costs.lapse_rate == 1.0


def test_steps_where_nobody_is_short_of_money_step_over_the_lapse_draws(small, monkeypatch):
    """Where every organization has its full program budget nothing can lapse: the step's lapse draws are stepped
    over, and the run and every stream end as a run that draws them ends."""
    from cisim.model import skipping

    class Counting:
        """The programmes stream, counting the steps that draw from it."""

        def __init__(self, stream):
            self.stream, self.bit_generator, self.drawn = stream, stream.bit_generator, 0

        def random(self, *args, **kwargs):
            self.drawn += 1
            return self.stream.random(*args, **kwargs)

    def run():
        model = CollectiveImpactModel.from_scenario(small.with_arm("isolated"), rng=4)
        counting = model.streams["programmes"] = Counting(model.streams["programmes"])
        while model.running:
            model.step()
        states = {name: stream.bit_generator.state for name, stream in model.streams.items()}
        return model.outcomes, states, counting.drawn

    outcomes, states, drawn = run()
    assert drawn == 0  # isolated organizations pay no coordination: every step's draws were stepped over
    monkeypatch.setattr(skipping, "ADVANCEABLE", ())  # now every step draws them
    drawn_outcomes, drawn_states, drawn_count = run()
    assert drawn_count == small.with_arm("isolated")["run.steps"]
    assert outcomes == drawn_outcomes and states == drawn_states


def test_organizations_leave_when_membership_costs_more_than_it_brings(small):
    scenario = coalition(small, common_agenda=0.5).with_values(costs__coordination_cost=30.0)
    rises(
        scenario.with_values(participation__review_rate=0.3),
        scenario.with_values(participation__review_rate=0.0),
        "coalition_size",
        how="last",
    )


def test_organizations_join_when_membership_pays(small):
    """A cheap backbone and no data-system bill: a few members' costs are small against what membership brings."""
    scenario = small.with_arm("collective").with_values(
        participation__initial_members=0.3, backbone__cost=10.0, backbone__data_system_cost=0.0, run__steps=40
    )
    rises(
        scenario.with_values(participation__review_rate=0.0),
        scenario.with_values(participation__review_rate=0.3),
        "coalition_size",
        how="last",
    )


def test_shared_services_cut_overhead(small):
    rises(
        small.with_arm("collective"),
        small.with_values(intercooperation__shared_services=1.0).with_arm("collective"),
        "mean_capacity",
    )


def test_joint_bids_bring_in_funds(small):
    rises(
        small.with_arm("collective"),
        small.with_values(intercooperation__joint_bids=1.0).with_arm("collective"),
        "funds_mobilized",
        how="last",
    )


def test_shared_platform_speeds_learning(small):
    """With little trust few neighbours share; a shared platform lifts sharing, so good solutions spread sooner."""
    low_trust = own(
        small, organizations__n_organizations=20, problem__k=3, communication__network="linear"
    ).with_values(communication__trust_initial=0.05, communication__trust_gain=0.02)
    rises(low_trust, low_trust.with_values(intercooperation__shared_platform=1.0), "community_outcome")


def test_public_will_raises_budgets_as_income(small):
    levels = dict(common_agenda=1.0, backbone=1.0)
    quiet = coalition(small, **levels).with_values(backbone__weight_public_will=0.0)
    loud = coalition(small, **levels).with_values(backbone__weight_public_will=1.0)
    rises(quiet, loud, "income")
    rises(quiet, loud, "spend")


# ---------------------------------------------------------------- regions, networks, adaptive problems
def test_communities_of_practice_share_between_regions(small):
    regions = small.with_values(regions__n_regions=2).with_arm("isolated")
    rises(regions, regions.with_values(regions__cross_region=1.0), "adoptions")


def test_turbulence_lowers_the_outcome(small):
    rises(
        small.with_values(problem__turbulence=1.0, problem__turbulence_interval=2).with_arm("collective"),
        small.with_arm("collective"),
        "community_outcome",
    )


@pytest.mark.parametrize(
    ("kind", "edges"),
    [("complete", 190), ("ring", 20), ("linear", 19), ("small_world", 40), ("random", 40), ("scale_free", 36)],
)
def test_network_kinds_have_their_shape_and_change_the_run(small, kind, edges):
    graph = build_graph(kind, 20, seed=1)
    assert graph.number_of_edges() >= edges if kind == "random" else graph.number_of_edges() == edges
    import networkx as nx

    assert nx.is_connected(graph)
    scenario = small.with_values(communication__network=kind, organizations__n_organizations=20)
    other = "ring" if kind != "ring" else "complete"
    first = run_model(scenario, 2).series["mean_trust"]
    second = run_model(scenario.with_values(communication__network=other), 2).series["mean_trust"]
    assert not first.equals(second)


def test_erdos_renyi_networks_link_each_pair_with_the_given_chance_and_may_leave_some_alone(small):
    import networkx as nx

    # 100 organizations, degree 7: p = 7/99, 350 links expected (standard deviation about 18 per graph).
    graphs = [build_graph("erdos_renyi", 100, seed=seed, degree=7) for seed in range(200)]
    links = np.array([graph.number_of_edges() for graph in graphs])
    assert links.mean() == pytest.approx(350, abs=4)  # standard error of the mean about 1.3
    assert links.std() > 10  # the number of links varies, unlike "random"
    assert any(not nx.is_connected(graph) for graph in graphs)  # P(an isolated organization) is about 7 %
    # A run on a network with organizations that hear no one goes through.
    scenario = small.with_values(
        communication__network="erdos_renyi", communication__degree=1, organizations__n_organizations=20
    )
    assert run_model(scenario, 2).series["mean_trust"].notna().all()


def test_connected_erdos_renyi_networks_are_erdos_renyi_networks_drawn_again_until_connected(monkeypatch):
    import networkx as nx

    import cisim.model.network as network

    redrawn = 0
    for seed in range(200):
        plain = build_graph("erdos_renyi", 100, seed=seed, degree=7)
        connected = build_graph("connected_erdos_renyi", 100, seed=seed, degree=7)
        assert nx.is_connected(connected)
        if nx.is_connected(plain):  # a connected first draw is kept, so the two kinds share it
            assert sorted(connected.edges()) == sorted(plain.edges())
        else:
            redrawn += 1
            assert sorted(connected.edges()) != sorted(plain.edges())
    assert 3 <= redrawn <= 30  # about 7 % of G(100, 7/99) draws leave an organization alone
    # A network that is never connected in the allowed draws is refused, naming the field to change.
    monkeypatch.setattr(network, "CONNECTED_DRAWS", 3)
    with pytest.raises(ValueError, match=r"communication\.degree"):
        build_graph("connected_erdos_renyi", 100, seed=0, degree=1)


def test_network_graphs_are_seeded():
    for kind in ("small_world", "random", "erdos_renyi", "connected_erdos_renyi"):
        assert sorted(build_graph(kind, 30, 4).edges()) == sorted(build_graph(kind, 30, 4).edges())
        assert sorted(build_graph(kind, 30, 4).edges()) != sorted(build_graph(kind, 30, 5).edges())


def test_trust_grows_with_contact_and_fades_without():
    network = Network(np.array(list(build_graph("ring", 5, 0).edges())), 5, trust_initial=0.5)
    network.touch(np.array([0, 0]), np.array([0.2, 0.5]))
    network.decay(0.1)
    assert network.trust[0] == pytest.approx(1 - 0.5 * 0.8 * 0.5)  # two contacts compound
    assert network.trust[1] == pytest.approx(0.45)


# ---------------------------------------------------------------- the plan
def _plan_fixture(flips_per_participant):
    """A landscape, a state and candidates of three participants, each with the given flips (one per slot)."""
    landscape = Landscape(8, 2, 2, 0.5, np.random.default_rng(0))
    config = np.zeros(8, dtype=bool)
    flips = np.zeros((3, 2, 8), dtype=bool)
    for participant, slots in enumerate(flips_per_participant):
        for slot, elements in enumerate(slots):
            flips[participant, slot, elements] = True
    configs = np.concatenate([np.broadcast_to(config, (3, 1, 8)), config ^ flips], axis=1)
    community = landscape.outcome(configs.reshape(-1, 8)).reshape(3, 3)
    candidates = Candidates(flips=flips, valid=flips.any(axis=2), configs=configs)
    return landscape, config, candidates, community


def test_the_plan_takes_at_most_one_candidate_per_participant_and_drops_conflicts():
    landscape, config, candidates, community = _plan_fixture([[[0], [1]], [[2], [3]], [[2], [4]]])
    # Without noise the plan reads true outcomes: force every candidate to look better than the status quo.
    community[:, 0] = -1.0
    change = joint_plan(landscape, config, candidates, community, np.arange(3), candidates.valid, 0.0, 0.0)
    chosen = [int(np.argmax(community[p, 1:])) for p in range(3)]
    picks = [candidates.flips[p, chosen[p]] for p in range(3)]
    union = np.logical_or.reduce(picks)
    assert (change <= union).all()  # nothing outside one pick per participant
    for pick in picks:  # a pick is taken whole or not at all
        assert change[pick].all() or not change[pick].any()


def test_the_plan_judges_each_candidate_with_its_proposers_reading_and_reads_nothing_again():
    """The plan keeps a participant's candidate only if that participant's own reading favoured it: it does not
    average readings nobody made (a candidate its proposer read as worse than the status quo is never taken,
    however many others take part)."""
    landscape, config, candidates, community = _plan_fixture([[[0], [1]], [[2], [3]], [[4], [5]]])
    readings = community.copy()
    readings[:, 0] = readings[:, 1:].max(axis=1) + 0.01  # every proposer read its status quo as best
    change = joint_plan(landscape, config, candidates, readings, np.arange(3), candidates.valid, 0.0, 0.0)
    assert not change.any()
    readings[2, 2] = readings[2, 0] + 0.5  # one proposer read one candidate as better
    change = joint_plan(landscape, config, candidates, readings, np.arange(3), candidates.valid, 0.0, 0.0)
    np.testing.assert_array_equal(change, candidates.flips[2, 1])


def test_the_plan_with_one_participant_decides_as_it_would_alone():
    landscape, config, candidates, community = _plan_fixture([[[0], [1]], [[2], [3]], [[4], [5]]])
    z = np.random.default_rng(3).standard_normal((3, 3))
    readings = community + 0.05 * z  # what each proposer read
    change = joint_plan(landscape, config, candidates, readings, np.array([1]), candidates.valid, 0.05, 0.0)
    values = readings[1]
    best = int(values[1:].argmax())
    expected = candidates.flips[1, best] if values[1 + best] > values[0] else np.zeros(8, dtype=bool)
    np.testing.assert_array_equal(change, expected)


@pytest.mark.parametrize("seed", range(4))
def test_a_plan_of_one_organization_takes_the_same_path_as_that_organization_alone(seed):
    """One organization owning every element, the plan's objective its own: through the plan (r = 1) it judges
    the same candidates with the same readings against the same belief about its status quo as it does alone
    (r = 0), so the two runs are the same, step by step. (The plan used to compare with this step's reading of
    the status quo instead of the belief: the runs parted ways in every seed, between steps 13 and 50.)"""
    runs, planned = [], 0
    for r in (1.0, 0.0):
        model = CollectiveImpactModel(
            rng=seed,
            arm="scenario",
            n_organizations=1,
            n_domains=1,
            element_coverage=1.0,
            common_agenda=1.0,
            shared_measurement=0.5,
            reinforcing_activities=r,
            backbone=0.5,
            communication=1.0,
            shared_platform=1.0,
            cost=0.0,
            data_system_cost=0.0,
            coordination_cost=0.0,
            steps=60,
        )
        path = []
        for _ in range(60):
            model.step()
            path.append(model.region_configs.copy())
            planned += int(model.population.in_plan.sum()) if r else 0
        runs.append(np.array(path))
    assert planned >= 30  # the organization went through the plan in most steps
    assert len({tuple(map(bool, row)) for row in runs[0][:, 0]}) > 3  # it changed things
    np.testing.assert_array_equal(runs[0], runs[1])


def test_a_backbone_advocates_where_its_data_show_the_community_falls_short():
    """The backbone reads each element's contribution through the shared system and members' reports, with
    their noise: it lifts the element its reading puts lowest, not the one truly lowest (it used to read every
    element's true contribution, exactly and at no cost)."""
    model = CollectiveImpactModel(rng=2, backbone=1.0, steps=10)
    backbone = next(r.backbone for r in model.regions if r.backbone is not None)
    truth = model.landscape.contributions(model.region_state(backbone.region.index)).mean(axis=0)
    worst = int(np.argmin(truth))

    def lifted(z: np.ndarray) -> int:
        before = model.landscape.lifts.copy()
        backbone.win_policy(z)
        changed = np.flatnonzero(model.landscape.lifts != before)
        model.landscape.lifts[:] = before  # the next call starts from the same problem
        model.landscape._apply_lifts(changed)
        return int(changed[0])

    z = np.zeros(model.landscape.n_elements)
    assert lifted(z) == worst  # a reading without error finds the true worst
    z[worst] = 10.0  # its reading of the worst element errs upwards by ten times its noise
    assert lifted(z) != worst
    quiet = CollectiveImpactModel(rng=2, backbone=1.0, steps=10, measurement_noise=0.0, shared_noise=0.0)
    quiet_backbone = next(r.backbone for r in quiet.regions if r.backbone is not None)
    before = quiet.landscape.lifts.copy()
    quiet_backbone.win_policy(z)  # with noiseless data the same draws do not mislead it
    assert np.flatnonzero(quiet.landscape.lifts != before)[0] == worst


def test_the_backbones_reading_of_an_element_is_as_noisy_as_a_members_reading_of_the_outcome():
    """Its reading of an element is that element's share of the normalised community outcome plus its noise, the
    scale on which a member reads a whole configuration with the same noise: an error of 1.5 times the gap between
    the two lowest shares misleads it, half that gap does not (on the element's own scale, where its noise used
    to be added, both errors were far smaller than the gap: it read about n x spread times finer than a member)."""
    noise = 0.02
    model = CollectiveImpactModel(rng=2, backbone=1.0, shared_measurement=1.0, shared_noise=noise, steps=10)
    backbone = next(r.backbone for r in model.regions if r.backbone is not None)
    landscape = model.landscape
    share = landscape.contributions(model.region_state(0)).mean(axis=0) / (
        landscape.n_elements * (landscape.maximum - landscape.minimum)
    )
    worst, second = np.argsort(share)[:2]
    gap = share[second] - share[worst]
    assert landscape.n_elements * (landscape.maximum - landscape.minimum) > 3  # the old scale was finer

    def lifted(error: float) -> int:
        z = np.zeros(landscape.n_elements)
        z[worst] = error * gap / noise
        before = landscape.lifts.copy()
        backbone.win_policy(z)
        changed = np.flatnonzero(landscape.lifts != before)
        landscape.lifts[:] = before
        landscape._apply_lifts(changed)
        return int(changed[0])

    assert lifted(0.5) == worst
    assert lifted(1.5) == second


@pytest.mark.parametrize("measurement", [1.0, 0.5])
def test_a_backbone_sees_untracked_elements_only_in_members_own_data(measurement):
    """Under partial coverage the shared system shows the tracked elements only; the rest the backbone reads in
    members' reports from their own data, which they keep for their share 1 - m. At m = 1 nobody has such data:
    an untracked element whose reading errs far down is not lifted, and the backbone makes one reading per
    tracked element; at m = 0.5 the same error misleads it (it used to read untracked elements at m = 1 too)."""
    model = CollectiveImpactModel(
        rng=2, backbone=1.0, shared_measurement=measurement, measurement_coverage=0.5, steps=10
    )
    backbone = next(r.backbone for r in model.regions if r.backbone is not None)
    landscape, tracked = model.landscape, model.tracked
    assert 0 < tracked.sum() < tracked.size
    blind = int(np.flatnonzero(~tracked)[0])
    z = np.zeros(landscape.n_elements)
    z[blind] = -1e3  # its reading of an untracked element errs far below every other reading
    before = landscape.lifts.copy()
    read = backbone.win_policy(z)
    (changed,) = np.flatnonzero(landscape.lifts != before)
    if measurement == 1.0:
        assert tracked[changed] and read == tracked.sum()
    else:
        assert changed == blind and read == tracked.size


def test_the_backbones_readings_count_in_candidates_evaluated():
    """A policy win reads every element it sees once (all of them, under full coverage); those readings are the
    step's ``policy_readings`` and are counted in ``candidates_evaluated`` (they were free)."""
    model = CollectiveImpactModel(rng=4, backbone=1.0, policy_win_rate=1.0, steps=30)
    read = 0
    for _ in range(30):
        wins = sum(r.backbone.policy_wins for r in model.regions if r.backbone is not None)
        model.step()
        won = sum(r.backbone.policy_wins for r in model.regions if r.backbone is not None) - wins
        assert model.policy_readings == won * model.landscape.n_elements
        assert model.candidates_evaluated == (
            model.candidates_searched + model.offers_read + model.plan_readings + model.policy_readings
        )
        read += model.policy_readings
    assert read > 0


# ---------------------------------------------------------------- own solutions
def test_own_solutions_copy_a_strictly_better_neighbour_or_keep_a_better_local_change(small):
    # Programmes that lapse (costs.lapse_rate) move what an organization knows too, for the worse: not this rule.
    model = CollectiveImpactModel.from_scenario(own(small, communication__network="linear", costs__lapse_rate=0.0), 1)
    landscape = model.landscape
    for _ in range(15):
        before = model.population.known.copy()
        scores = landscape.raw_fitness(before)
        model.step()
        after = model.population.known
        for i, row in enumerate(after):
            if np.array_equal(row, before[i]):
                continue
            neighbours = model.network.neighbours[model.network.offsets[i] : model.network.offsets[i + 1]]
            copied = any(np.array_equal(row, before[j]) for j in neighbours)
            if copied:
                assert landscape.raw_fitness(row)[0] > scores[i]
            else:  # one element changed, and only for the better
                assert (row != before[i]).sum() == 1
                assert landscape.raw_fitness(row)[0] > scores[i]


def test_own_solutions_spread_faster_on_a_dense_network(small):
    """Over the first steps, imitation across a complete network lifts the mean outcome faster than along a line."""
    base = own(small, organizations__n_organizations=20, run__steps=8)
    rises(
        base.with_values(communication__network="linear"),
        base.with_values(communication__network="complete"),
        "community_outcome",
    )


def test_copy_errors_change_what_is_copied(small):
    base = own(small, communication__network="complete")
    exact = run_model(base, 3).series["community_outcome"]
    sloppy = run_model(base.with_values(communication__copy_error=0.3), 3).series["community_outcome"]
    assert not exact.equals(sloppy)


def test_a_copy_that_may_be_wrong_is_read_before_it_is_taken_up_out_of_the_same_capacity(small):
    """docs/model.md, communication: with copy errors possible every copy is read before it is taken up, one more
    reading from the listener's capacity; where the offers it read used that capacity, the copy is dropped."""

    def adoptions(**changes) -> int:
        base = own(small, communication__network="complete", costs__lapse_rate=0.0, run__steps=10, **changes)
        return sum(int(run_model(base, seed).series["adoptions"].sum()) for seed in range(3))

    assert adoptions(communication__offers_cost_capacity=True) > 0  # exact copies need no reading of their own
    assert adoptions(communication__offers_cost_capacity=True, communication__copy_error=1e-9) == 0
    assert adoptions(communication__offers_cost_capacity=False, communication__copy_error=1e-9) > 0


def test_copy_errors_leave_elements_as_the_copier_had_them_and_never_touch_agreement():
    """Lazer and Friedman (2007, p. 684): an error affects only elements on which copier and source differ."""
    rng = np.random.default_rng(5)
    source, own_configs = rng.random((2000, 12)) < 0.5, rng.random((2000, 12)) < 0.5
    differ = source != own_configs
    for rate in (0.0, 0.3, 1.0):
        draws = rng.random(source.shape)
        copies = source.copy()
        for row in range(len(copies)):
            copy_with_errors(copies, row, own_configs, row, rate, draws)
        assert np.array_equal(copies[~differ], source[~differ])  # where the two agree nothing changes
        kept_own = copies[differ] == own_configs[differ]
        assert np.array_equal(kept_own, draws[differ] < rate)  # a failed element stays as the copier's
        if rate == 0:
            assert np.array_equal(copies, source)  # no errors: an exact copy


def test_a_copy_is_read_with_the_copiers_own_data_not_the_problem_as_it_is_now(small):
    """An organization whose data describe an earlier version of the problem reads a copy it made (after copy
    errors) in that version, as it read the offer: what it takes up does not depend on the problem as it is now,
    which its data do not show."""
    from cisim.organizations.behaviour import communicate

    model = CollectiveImpactModel.from_scenario(
        own(
            small, communication__network="complete", communication__copy_error=0.5, organizations__start="random"
        ).with_arm("isolated"),
        rng=6,
    )
    levels, perception = model._perceive()
    problem = model._problem_view(levels)
    count, n = model.population.known.shape
    width = count - 1  # own-solution mode hears every neighbour
    rng = np.random.default_rng(11)
    contact, share, copy = rng.random((count, width)), np.zeros((count, width)), rng.random((count, n))
    z_offers, z_copy = rng.standard_normal((count, width + 1, 2)), rng.standard_normal((count, 2, 2))
    links = model.network

    def taken_up(now: np.ndarray) -> np.ndarray:
        """What each organization knows after hearing, every one's data describing row 1 (``tables[0]``: now)."""
        view = problem._replace(
            tables=np.stack([now, problem.tables[0]]),
            table_of=np.ones(count, dtype=np.intp),
            minimum=np.repeat(problem.minimum, 2),
            spread=np.repeat(problem.spread, 2),
        )
        known, belief, belief_count = model.population.known.copy(), np.full(count, np.nan), np.zeros(count)
        communicate(
            view, perception, np.ones(count, dtype=np.bool_), known, belief, belief_count,
            np.zeros(count, dtype=np.intp), np.zeros(count, dtype=np.intp), np.full(count, 100, dtype=np.intp),
            np.zeros(count, dtype=np.bool_), True,
            links.offsets, links.neighbours, links.edge_of, np.ones(len(links.edges)),
            np.zeros(len(links.edges), dtype=np.bool_), 0.0, 0.1, 0.5,
            False, contact, share, z_offers, copy, z_copy,
        )  # fmt: skip
        return known

    as_read = taken_up(problem.tables[0])
    assert not np.array_equal(as_read, model.population.known)  # something was copied
    for seed in range(3):  # the problem as it is now drawn afresh: nobody's data show it
        assert np.array_equal(taken_up(np.random.default_rng(seed).random(problem.tables.shape[1])), as_read)


# ---------------------------------------------------------------- starting solutions
def random_starts(seed=4, arm="collective", network="linear", **changes):
    return CollectiveImpactModel(
        rng=seed,
        arm=arm,
        n_elements=12,
        n_organizations=10,
        solutions="own",
        start="random",
        network=network,
        **changes,
    )


def test_random_starts_give_each_organization_its_own_configuration():
    model = random_starts()
    assert len(np.unique(model.solutions, axis=0)) == len(model.solutions)
    shared_start = CollectiveImpactModel(rng=4, n_elements=12, n_organizations=10, solutions="own", network="linear")
    assert len(np.unique(shared_start.solutions, axis=0)) == 1  # the default: the region's one configuration
    # Drawn after everything else on the start stream: the problem and the network stay as they were.
    assert np.array_equal(model.landscape.tables, shared_start.landscape.tables)
    assert np.array_equal(model.network.edges, shared_start.network.edges)
    assert np.array_equal(model.configs(), shared_start.configs())


def test_arms_with_one_seed_start_from_the_same_configurations():
    first = random_starts(seed=9)
    for other in (
        random_starts(seed=9, arm="isolated"),
        random_starts(seed=9, network="complete"),
        random_starts(seed=9, copy_error=0.2),
    ):
        assert np.array_equal(first.solutions, other.solutions)
    assert not np.array_equal(first.solutions, random_starts(seed=10).solutions)


def test_a_backbone_without_members_does_nothing():
    """A coalition with no members pays nothing for its backbone, so the backbone wins no policy, raises no funds
    and builds no engagement: it cannot give a region's organizations anything nobody paid for."""
    empty = CollectiveImpactModel(
        rng=3, initial_members=0.0, review_rate=0.0, backbone=1.0, policy_win_rate=1.0, steps=40
    )
    engagement = [region.engagement for region in empty.regions]
    for _ in range(40):
        empty.step()
    assert not empty.population.member.any()
    backbones = [region.backbone for region in empty.regions if region.backbone is not None]
    assert backbones and all(b.policy_wins == 0 and b.funds_mobilized == 0 for b in backbones)
    assert [region.engagement for region in empty.regions] == engagement
    assert empty.ledger.total_backbone_cost == 0
    with_members = CollectiveImpactModel(rng=3, review_rate=0.0, backbone=1.0, policy_win_rate=1.0, steps=40)
    for _ in range(40):
        with_members.step()
    assert sum(r.backbone.policy_wins for r in with_members.regions if r.backbone is not None) > 0  # it can act
