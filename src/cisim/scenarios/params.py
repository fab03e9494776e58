"""Typed, frozen parameters: one dataclass per section of the scenario schema.

Generated from ``cisim.scenarios.schema`` by ``python -m cisim.scenarios.codegen``; do not edit by hand (a test
fails when this file and the schema differ). Dotted names (``"problem.k"``) belong to files, the command line and
result columns; code inside the model reads ``params.problem.k``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ProblemParams:
    """Section [problem] of a scenario."""

    n_elements: int = 16
    """decisions (program components, services, policies) in the problem"""

    n_domains: int = 4
    """domains the elements are grouped into (e.g. early childhood, schooling, employment, health)"""

    k: int = 6
    """
    interactions per element: 0 is a technical problem, 4 or more a complex one; at most problem.n_elements
    - 1, and at most 20 above 21 elements and 19 above 32, since the problem's contribution tables
    (n_elements x 2^(k+1) numbers of 8 bytes) are held to 512 MiB
    """

    k_across: float = 0.75
    """
    share of all interactions that reach other domains (held exactly over the problem, to within one
    interaction)
    """

    interaction: Literal["random", "adjacent", "with_replacement"] = "random"
    """
    how elements' partners are chosen: 'random' (k others, a share k_across in other domains), 'adjacent'
    (the k elements that follow each one, wrapping round, as in Levinthal 1997) or 'with_replacement' (each
    of the k drawn from all elements, itself included, so partners can repeat, as in Lazer & Friedman's
    program); k_across applies to 'random' only
    """

    turbulence: float = 0.0
    """share of contribution tables redrawn at each change (0: a static problem; above 0: an adaptive one)"""

    turbulence_interval: int = 20
    """steps between changes of an adaptive problem [steps]"""


@dataclass(frozen=True, slots=True)
class OrganizationsParams:
    """Section [organizations] of a scenario."""

    n_organizations: int = 12
    """organizations working on the problem"""

    domains_per_organization: int = 1
    """domains each organization works in"""

    element_coverage: float = 0.6
    """
    share of its domains' elements an organization works on; overlaps are duplication, uncovered elements
    are gaps
    """

    capacity: int = 3
    """
    candidate changes an organization evaluates when it revises, on its full program budget (the same rule
    alone and in the plan) [changes/step]
    """

    revision_rate: float = 0.3
    """
    chance per step that an organization revises its programs (evaluates candidate changes), alone or in the
    coalition's plan alike, times its delivery (the share of its programme budget coordination and backbone
    costs leave it)
    """

    memory: int = 10
    """
    readings of one state an organization's belief about it rests on fully: repeated readings average out
    noise; beyond this many, older ones fade (a moving average of weight 1 / memory) [readings]
    """

    gap_uptake: float = 0.1
    """
    chance per step that an organization notices an element of its own domains nobody works on and takes it
    up, alone or in a coalition alike (organizations respond to unmet needs in their own field)
    """

    budget: float = 100.0
    """budget per organization per step (sector multipliers apply) [money/step]"""

    overhead_share: float = 0.2
    """share of the budget spent on back-office overhead"""

    measurement_noise: float = 0.08
    """
    standard deviation of the noise in an organization's own outcome data, on the scale every objective is
    read on: the community outcome's (0 the whole problem's worst configuration, 1 its best)
    """

    data_lag: int = 4
    """
    steps by which an organization's own outcome data lag behind the problem (they describe it as it was
    then); a shared measurement system makes them timelier: the lag is data_lag x (1 - m) +
    backbone.shared_lag x m, m the shared measurement level [steps]
    """

    solutions: Literal["shared", "own"] = "shared"
    """
    'shared': organizations act on their region's one community state; 'own': each holds its own
    configuration of the whole problem and learns from network neighbours (Lazer and Friedman 2007)
    """

    start: Literal["region", "random"] = "region"
    """
    where organizations start: 'region': each from its region's one starting configuration; 'random' (only
    with solutions = 'own'): each from a random configuration of its own, as in Lazer and Friedman (2007, p.
    677)
    """


@dataclass(frozen=True, slots=True)
class ConditionsParams:
    """Section [conditions] of a scenario."""

    common_agenda: float = 1.0
    """weight of the community outcome in each member's objective (0: own domains only)"""

    shared_measurement: float = 1.0
    """
    how far members' data noise falls to the shared system's noise, its lag and what its indicators cover
    (the common agenda, not this, sets how far they weigh the community outcome)
    """

    reinforcing_activities: float = 1.0
    """probability per step that members' proposals are evaluated jointly through the plan"""

    communication: float = 1.0
    """
    how much more often a member hears its network neighbours' best configurations: its chance per step is
    communication.informal + level x (1 - communication.informal)
    """

    backbone: float = 1.0
    """strength of the backbone organization (0: none); scales its staff and its cost"""

    dynamics: Literal["fixed", "built"] = "fixed"
    """
    'fixed': every condition level stays exactly as given for the whole run; 'built': levels start as given,
    the backbone's roles raise them and they erode without a backbone
    """


@dataclass(frozen=True, slots=True)
class BackboneParams:
    """Section [backbone] of a scenario."""

    staff_capacity: float = 1.0
    """effort units the backbone spends per step at full strength [effort/step]"""

    cost: float = 120.0
    """
    backbone running cost per step at full strength, paid by members (or an outside funder:
    costs.backbone_paid_by) [money/step]
    """

    growth_rate: float = 0.08
    """how fast one effort unit on a role raises its condition towards 1 [1/effort]"""

    weight_vision: float = 0.3
    """
    share of backbone effort on 'vision' early in the initiative (weights are normalised to sum to 1; all 0:
    a backbone that costs but does none of the roles)
    """

    weight_aligned_activities: float = 0.3
    """
    share of backbone effort on 'aligned activities' early in the initiative (weights are normalised to sum
    to 1; all 0: a backbone that costs but does none of the roles)
    """

    weight_measurement: float = 0.2
    """
    share of backbone effort on 'measurement' early in the initiative (weights are normalised to sum to 1;
    all 0: a backbone that costs but does none of the roles)
    """

    weight_public_will: float = 0.1
    """
    share of backbone effort on 'public will' early in the initiative (weights are normalised to sum to 1;
    all 0: a backbone that costs but does none of the roles)
    """

    weight_policy: float = 0.05
    """
    share of backbone effort on 'policy' early in the initiative (weights are normalised to sum to 1; all 0:
    a backbone that costs but does none of the roles)
    """

    weight_funding: float = 0.05
    """
    share of backbone effort on 'funding' early in the initiative (weights are normalised to sum to 1; all
    0: a backbone that costs but does none of the roles)
    """

    erosion: float = 0.01
    """
    with conditions.dynamics = 'built', share of each condition level lost per step without a backbone
    (scaled by 1 - backbone): coalitions without support lose momentum
    """

    maturity_shift: bool = True
    """
    let effort shift from vision and aligned activities to public will, policy and funding as the initiative
    matures (source 002)
    """

    maturity_steps: int = 60
    """steps until the initiative counts as mature [steps]"""

    shared_noise: float = 0.01
    """noise of the shared measurement system"""

    shared_lag: int = 1
    """
    steps by which the shared measurement system's data lag behind the problem (reporting takes time)
    [steps]
    """

    measurement_coverage: float = 1.0
    """
    share of the problem the shared measurement system tracks, domain by domain (0.5 of four domains: two
    measured, two not); what it does not track it does not see, and members who rely on it optimise what is
    measured (Campbell's law)
    """

    agenda_capture: float = 0.0
    """
    how far the common agenda weights domains by the priorities of the region's largest funder (the
    organization with the largest base budget, member or not) rather than equally by need (0: by need; 1:
    that funder's domains only)
    """

    data_system_cost: float = 30.0
    """cost per step of the shared data system at full shared measurement [money/step]"""

    policy_win_rate: float = 0.1
    """chance per effort unit per step that advocacy wins a policy change"""

    policy_lift: float = 0.3
    """how far a policy win lifts an element's contributions towards the best possible"""

    funding_yield: float = 400.0
    """funds mobilized per effort unit per step [money/effort]"""

    public_will_rate: float = 0.1
    """how fast one effort unit on public will raises community engagement"""


@dataclass(frozen=True, slots=True)
class CostsParams:
    """Section [costs] of a scenario."""

    coordination_cost: float = 4.0
    """
    meeting and reporting cost per member per step at full condition levels, for one member; it grows by
    costs.coordination_growth for each other member [money/step]
    """

    coordination_growth: float = 0.05
    """growth of each member's coordination cost per additional member"""

    lapse_rate: float = 1.0
    """
    chance per step that a program an organization cannot fund lapses: each element it works on returns to
    the community's starting value with probability lapse_rate x (1 - delivery), delivery being the share of
    a full program budget left after overhead, coordination and backbone costs (1, the default: in
    proportion to the money lost; 0: programs carry on whatever their funding)
    """

    backbone_paid_by: Literal["members", "funder"] = "members"
    """
    who pays the backbone and the shared data system: 'members' (equal shares out of members' budgets) or
    'funder' (an outside funder: shown as income and as backbone cost)
    """


@dataclass(frozen=True, slots=True)
class CommunicationParams:
    """Section [communication] of a scenario."""

    network: Literal[
        "complete",
        "small_world",
        "ring",
        "linear",
        "random",
        "erdos_renyi",
        "connected_erdos_renyi",
        "scale_free",
        "file",
    ] = "small_world"
    """
    who hears whom, in a coalition or not: complete, small_world (Watts-Strogatz), ring (a cycle), linear (a
    path), random (Erdos-Renyi with a fixed number of links, connected), erdos_renyi (each pair linked with
    probability degree / (n - 1), possibly not connected), connected_erdos_renyi (the same, drawn again
    until connected), scale_free (Barabasi-Albert) or file
    """

    degree: int = 4
    """
    mean number of neighbours per organization in small_world, random and (connected_)erdos_renyi networks
    (at least 2 in a small_world network of a region of 3 or more organizations)
    """

    rewiring: float = 0.1
    """share of links rewired at random in small_world networks"""

    network_file: str = ""
    """edge list (two organization indices per line) when network is 'file'; relative to the scenario file"""

    contacts_per_step: int = 1
    """
    neighbours an organization hears in a step in which it hears its peers (in own-solution mode, every
    neighbour)
    """

    informal: float = 0.25
    """
    chance per step that an organization hears its network peers informally, in or out of a coalition (about
    once a year when a step is a quarter); the communication level raises a member's chance from this
    towards 1
    """

    trust_initial: float = 0.5
    """trust between organizations at the start"""

    trust_gain: float = 0.1
    """trust gained per contact in which the neighbour shares, doubled when what was shared is taken up"""

    trust_decay: float = 0.02
    """share of trust lost per step on a link with no sharing contact"""

    copy_error: float = 0.0
    """
    chance that each element on which an organization differs from the one it imitates fails to be copied
    and stays as its own (a partial copy; Lazer and Friedman 2007, p. 684); above 0 every copy is read
    before it is taken up, a reading from the same capacity
    """

    after_dropped_copy: Literal["search", "stay"] = "search"
    """
    what an organization whose partial copy read no better than its own does that step: 'search' (it
    searches, as one that copied nothing) or 'stay' (its turn went on copying; it keeps its configuration,
    as in Lazer and Friedman 2007, pp. 675, 684); own-solution mode only
    """

    offers_cost_capacity: bool = True
    """
    whether reading what others offer takes from the step's capacity, so that an organization that listens
    searches less (in both solution modes); false makes those readings free, as in Lazer and Friedman 2007,
    whose actors see every neighbour's result each round (pp. 675-676)
    """


@dataclass(frozen=True, slots=True)
class IntercooperationParams:
    """Section [intercooperation] of a scenario."""

    shared_services: float = 0.0
    """how far members share back-office services (accounting, legal, quality)"""

    overhead_savings: float = 0.5
    """share of overhead that fully shared services save"""

    joint_bids: float = 0.0
    """how far members bid jointly for larger public contracts and grants"""

    joint_bid_value: float = 300.0
    """funds a winning joint bid brings in [money]"""

    shared_platform: float = 0.0
    """
    how far an open platform makes what works available whatever the trust: raises every contact's chance of
    sharing, in every arm (it is not a condition of collective impact)
    """


@dataclass(frozen=True, slots=True)
class RegionsParams:
    """Section [regions] of a scenario."""

    n_regions: int = 1
    """regions, each with its own community state and its own coalition"""

    cross_region: float = 0.0
    """chance per region per step that a community of practice shares what works from another region"""


@dataclass(frozen=True, slots=True)
class ParticipationParams:
    """Section [participation] of a scenario."""

    initial_members: float = 1.0
    """share of organizations in the coalition at the start (where there is one)"""

    review_rate: float = 0.05
    """chance per step that an organization reconsiders its membership"""

    engagement_budget_effect: float = 0.5
    """budget increase at full community engagement (public will)"""


@dataclass(frozen=True, slots=True)
class RunParams:
    """Section [run] of a scenario."""

    steps: int = 100
    """steps to simulate [steps]"""

    target_outcome: float = 0.9
    """outcome whose first crossing gives the time to target"""

    collect_every: int = 1
    """collect the per-step outputs every this many steps (and at the last step) [steps]"""

    agent_data: bool = False
    """also collect each organization's state every time outputs are collected"""

    draws_key: int = 0
    """
    runs with one seed and one key share every random draw their designs allow; another key gives the
    behaviour (membership, search, perception, communication, coordination, backbone, programmes) draws of
    its own on the same problem, starting points, organizations and networks
    """

    draws: Literal["sequential", "keyed"] = "sequential"
    """
    where a step's random numbers come from in their streams: 'sequential': each part after the one before
    (the numbers of every figure in the docs); 'keyed': each part (the search keys, the offers' noise, ...)
    where its step and its place in the stream put it, so that numbers no rule of the run reads are never
    made (faster where readings have no noise) and other numbers than 'sequential' gives
    """


@dataclass(frozen=True, slots=True)
class Params:
    """Every parameter of a model, one typed section each: ``params.problem.k``."""

    problem: ProblemParams = field(default_factory=ProblemParams)
    organizations: OrganizationsParams = field(default_factory=OrganizationsParams)
    conditions: ConditionsParams = field(default_factory=ConditionsParams)
    backbone: BackboneParams = field(default_factory=BackboneParams)
    costs: CostsParams = field(default_factory=CostsParams)
    communication: CommunicationParams = field(default_factory=CommunicationParams)
    intercooperation: IntercooperationParams = field(default_factory=IntercooperationParams)
    regions: RegionsParams = field(default_factory=RegionsParams)
    participation: ParticipationParams = field(default_factory=ParticipationParams)
    run: RunParams = field(default_factory=RunParams)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Params:
        """Parameters from already validated values keyed by dotted name (``Scenario.values``)."""
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTION_CLASSES}
        for key, value in values.items():
            section, _, name = key.partition(".")
            sections[section][name] = value
        return cls(**{name: SECTION_CLASSES[name](**group) for name, group in sections.items()})

    def values(self) -> dict[str, Any]:
        """Every parameter keyed by dotted name, as in scenario files and result columns."""
        return {f"{section}.{name}": value for section, group in asdict(self).items() for name, value in group.items()}

    def flat(self) -> dict[str, Any]:
        """Every parameter keyed by its short name, as the model's keyword arguments."""
        return {name: value for group in asdict(self).values() for name, value in group.items()}


#: Each section's name and its class, in schema order.
SECTION_CLASSES: dict[str, Any] = {
    "problem": ProblemParams,
    "organizations": OrganizationsParams,
    "conditions": ConditionsParams,
    "backbone": BackboneParams,
    "costs": CostsParams,
    "communication": CommunicationParams,
    "intercooperation": IntercooperationParams,
    "regions": RegionsParams,
    "participation": ParticipationParams,
    "run": RunParams,
}
