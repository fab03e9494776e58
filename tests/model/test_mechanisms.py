"""Every mechanism moves an output when its parameter moves (MODEL.md section 3): none is a stub.

Each test compares two settings over 10 paired replicates (common random numbers) and asserts the direction
of the effect with the 95 % confidence interval of the paired difference excluding zero, unless stated.
"""

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel
from cisim.model.network import Network, build_graph
from cisim.model.plan import joint_plan
from cisim.organizations.agents import Backbone
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


# ---------------------------------------------------------------- the five conditions
def test_common_agenda_raises_the_outcome(small):
    rises(
        coalition(small, shared_measurement=1.0),
        coalition(small, shared_measurement=1.0, common_agenda=1.0),
        "community_outcome",
    )


def test_shared_measurement_raises_the_outcome(small):
    rises(
        coalition(small, common_agenda=1.0),
        coalition(small, common_agenda=1.0, shared_measurement=1.0),
        "community_outcome",
    )


def test_reinforcing_activities_cut_duplication_and_gaps(small):
    base = dict(common_agenda=1.0, shared_measurement=1.0, communication=1.0)
    without, with_plan = coalition(small, **base), coalition(small, **base, reinforcing_activities=1.0)
    low, high, half = paired_means(with_plan, without, "duplication_index")
    assert high - low > half
    gapped = {"organizations__element_coverage": 0.4}
    rises(with_plan.with_values(**gapped), without.with_values(**gapped), "gap_share")


def test_communication_builds_trust_and_spreads_better_configurations(small):
    base = dict(common_agenda=1.0, shared_measurement=1.0)
    rises(coalition(small, **base), coalition(small, **base, communication=1.0), "mean_trust")
    rises(coalition(small, **base), coalition(small, **base, communication=1.0), "adoptions")


def test_backbone_raises_condition_levels_and_costs(small):
    start = dict(common_agenda=0.2, shared_measurement=0.2, reinforcing_activities=0.2, communication=0.2)
    rises(coalition(small, **start), coalition(small, **start, backbone=1.0), "level_common_agenda", how="last")
    rises(coalition(small, **start), coalition(small, **start, backbone=1.0), "backbone_cost")


def test_without_a_backbone_conditions_erode(small):
    series = run_model(coalition(small, common_agenda=1.0, communication=1.0), 1).series
    assert series["level_common_agenda"].iloc[-1] < series["level_common_agenda"].iloc[0]
    still = coalition(small, common_agenda=1.0).with_values(backbone__erosion=0.0)
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
    weak = coalition(small, **levels).with_values(**others, backbone__policy_win_rate=0.5)
    strong = weak.with_values(**{f"backbone__weight_{role}": 1.0})
    rises(weak, strong, ROLE_EFFECTS[role], how="last")


def test_effort_shifts_to_external_roles_as_the_initiative_matures(small):
    model = CollectiveImpactModel(small.with_arm("collective"), rng=1)
    backbone = next(iter(model.agents_by_type[Backbone]))
    early = backbone.effort_split()
    for _ in range(small["backbone.maturity_steps"]):
        model.step()
    late = backbone.effort_split()
    assert late["vision"] < early["vision"] and late["aligned_activities"] < early["aligned_activities"]
    assert late["public_will"] > early["public_will"] and late["funding"] > early["funding"]
    fixed = CollectiveImpactModel(small.with_values(backbone__maturity_shift=False).with_arm("collective"), rng=1)
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


def test_organizations_leave_when_membership_costs_more_than_it_brings(small):
    scenario = coalition(small, common_agenda=0.5).with_values(costs__coordination_cost=30.0)
    rises(
        scenario.with_values(participation__review_rate=0.3),
        scenario.with_values(participation__review_rate=0.0),
        "coalition_size",
        how="last",
    )


def test_organizations_join_when_membership_pays(small):
    scenario = small.with_arm("collective").with_values(participation__initial_members=0.3, run__steps=40)
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
    low_trust = coalition(small, common_agenda=1.0, shared_measurement=1.0, communication=0.5).with_values(
        communication__trust_initial=0.1
    )
    rises(low_trust, low_trust.with_values(intercooperation__shared_platform=1.0), "adoptions")


def test_public_will_raises_budgets_and_spending(small):
    levels = dict(common_agenda=1.0, backbone=1.0)
    quiet = coalition(small, **levels).with_values(backbone__weight_public_will=0.0)
    rises(quiet, coalition(small, **levels).with_values(backbone__weight_public_will=1.0), "spend")


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


@pytest.mark.parametrize(("kind", "edges"), [("complete", 190), ("ring", 20), ("small_world", 40), ("scale_free", 36)])
def test_network_kinds_have_their_shape_and_change_the_run(small, kind, edges):
    graph = build_graph(kind, 20, seed=1)
    assert graph.number_of_edges() == edges
    scenario = small.with_values(communication__network=kind, organizations__n_organizations=20)
    other = "ring" if kind != "ring" else "complete"
    first = run_model(scenario, 2).series["mean_trust"]
    second = run_model(scenario.with_values(communication__network=other), 2).series["mean_trust"]
    assert not first.equals(second)


def test_network_graphs_are_seeded():
    assert sorted(build_graph("small_world", 30, 4).edges()) == sorted(build_graph("small_world", 30, 4).edges())
    assert sorted(build_graph("small_world", 30, 4).edges()) != sorted(build_graph("small_world", 30, 5).edges())


def test_trust_grows_with_contact_and_fades_without():
    class Member:
        member = True

    network = Network(build_graph("ring", 5, 0), [Member() for _ in range(5)], trust_initial=0.5)
    network.touch(0, 0.2)
    network.decay(0.1)
    assert network.trust[0] == pytest.approx(0.6)
    assert network.trust[1] == pytest.approx(0.45)


# ---------------------------------------------------------------- the plan's cost
def test_the_plan_evaluates_polynomially_many_combinations(small):
    """40 proposals would be 2**40 combinations; the plan evaluates at most rounds x (1 + 2 x proposals)."""
    model = CollectiveImpactModel(
        small.with_values(
            problem__n_elements=40, problem__n_domains=4, organizations__n_organizations=10, organizations__capacity=4
        ).with_arm("collective"),
        rng=1,
    )
    region = model.regions[0]
    members = region.members
    for member in members:
        member.propose()
    evaluated = []
    original = model.landscape.outcome
    model.landscape.outcome = lambda configs: (evaluated.append(len(configs)), original(configs))[1]
    taken = joint_plan(region, members, model.landscape, 0.01, model.rng, rounds=len(members))
    proposals = sum(len(m.moves) for m in members)
    assert taken >= 1
    assert len(evaluated) <= len(members)
    assert max(evaluated) <= 1 + 2 * proposals
    assert np.sum(evaluated) < 2**20
