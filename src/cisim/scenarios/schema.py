"""The scenario schema: the single source of every parameter's name, type, default, range and meaning.

The validator, the command line's help and the scenario reference in the docs are all generated from
``PARAMETERS``; nothing else lists parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("vision", "aligned_activities", "measurement", "public_will", "policy", "funding")
CONDITIONS = ("common_agenda", "shared_measurement", "reinforcing_activities", "communication", "backbone")
#: The condition levels as scenario fields (``conditions.backbone``), as ``--set`` and factors name them.
CONDITION_KEYS = frozenset(f"conditions.{name}" for name in CONDITIONS)
NETWORKS = (
    "complete",
    "small_world",
    "ring",
    "linear",
    "random",
    "erdos_renyi",
    "connected_erdos_renyi",
    "scale_free",
    "file",
)
#: Draws of an Erdos-Renyi network before a ``connected_erdos_renyi`` network gives up.
CONNECTED_DRAWS = 10_000
#: The least chance that one draw is connected at which a scenario may ask for a ``connected_erdos_renyi`` network
#: (100 draws on average; 10,000 draws then all fail with a chance of about e^-100).
CONNECTED_CHANCE = 0.01


def connected_chance(n: int, degree: int) -> float:
    """About the chance that an Erdos-Renyi network of ``n`` with link chance ``degree / (n - 1)`` is connected.

    Taken as the chance that no organization is left without a link, ``(1 - (1 - p)^(n - 1))^n``, as if each
    were left alone independently: a network that misses being connected almost always misses by one
    organization alone. Against 4000 real draws each it was within 0.003 for 100 organizations (degrees 3 and
    4), within 0.015 for 5 to 20, and 0.03 and 0.09 below for 4 and 3.
    """
    if n <= 2 or degree >= n - 1:
        return 1.0
    alone = (1.0 - degree / (n - 1)) ** (n - 1)
    return (1.0 - alone) ** n


#: The least ``communication.degree`` of a ``small_world`` network of more than ``degree + 1`` organizations (fewer are
#: linked completely): a Watts-Strogatz network links each organization to ``degree // 2`` neighbours on either side,
#: so at degree 1 to none, and networkx then fails to draw a connected one.
SMALL_WORLD_DEGREE = 2

#: The most memory one set of the problem's contribution tables may take: ``n_elements`` rows of ``2^(k + 1)``
#: numbers of 8 bytes (``cisim.problem.landscape``). A run holds several sets at once (the drawn tables, those in
#: force, the history late data read and passing copies: about 4.3 times one set at 40 elements and k = 20,
#: 2.9 GB in all), so 512 MiB of tables keeps a run to about 2 GiB.
MAX_TABLE_BYTES = 512 * 2**20


def table_bytes(n_elements: int, k: int) -> int:
    """The memory of one set of contribution tables: ``n_elements`` x ``2^(k + 1)`` numbers of 8 bytes."""
    return n_elements * 2 ** (k + 1) * 8


def largest_k(n_elements: int) -> int:
    """The largest ``k`` whose contribution tables take at most ``MAX_TABLE_BYTES`` (at most ``n_elements - 1``)."""
    k = 0
    while k + 1 < n_elements and table_bytes(n_elements, k + 1) <= MAX_TABLE_BYTES:
        k += 1
    return k


DYNAMICS = ("fixed", "built")
INTERACTIONS = ("random", "adjacent", "with_replacement")
AFTER_DROPPED_COPY = ("search", "stay")
SOLUTIONS = ("shared", "own")
STARTS = ("region", "random")
DRAWS = ("sequential", "keyed")
PAYERS = ("members", "funder")


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter: where it lives, what it holds and what it means."""

    section: str
    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""

    @property
    def key(self) -> str:
        """Dotted name as written on the command line, e.g. ``conditions.backbone``."""
        return f"{self.section}.{self.name}"

    def expected(self) -> str:
        """Plain-language description of the values this parameter accepts."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}[self.kind]
        if self.low is not None and self.high is not None:
            return f"{kind} from {bound(self.low)} to {bound(self.high)}"
        if self.low is not None:
            return f"{kind} of at least {bound(self.low)}"
        return kind


def bound(value: float) -> str:
    """A bound as messages and the reference show it: an integer's in full (2147483647, not 2.14748e+09)."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def _p(section: str, name: str, kind: type, default: Any, help: str, **kw: Any) -> Parameter:
    return Parameter(section, name, kind, default, help, **kw)


def _role_weight(role: str, default: float) -> Parameter:
    return _p(
        "backbone",
        f"weight_{role}",
        float,
        default,
        f"share of backbone effort on '{role.replace('_', ' ')}' early in the initiative "
        "(weights are normalised to sum to 1; all 0: a backbone that costs but does none of the roles)",
        low=0.0,
        high=1.0,
    )


PARAMETERS: tuple[Parameter, ...] = (
    # ---- the problem
    _p(
        "problem",
        "n_elements",
        int,
        16,
        "decisions (program components, services, policies) in the problem",
        low=2,
        high=40,
    ),
    _p(
        "problem",
        "n_domains",
        int,
        4,
        "domains the elements are grouped into (e.g. early childhood, schooling, employment, health)",
        low=1,
        high=40,
    ),
    _p(
        "problem",
        "k",
        int,
        6,
        "interactions per element: 0 is a technical problem, 4 or more a complex one; at most problem.n_elements - "
        "1, and at most 20 above 21 elements and 19 above 32, since the problem's contribution tables "
        "(n_elements x 2^(k+1) numbers of 8 bytes) are held to 512 MiB",
        low=0,
        high=39,
    ),
    _p(
        "problem",
        "k_across",
        float,
        0.75,
        "share of all interactions that reach other domains (held exactly over the problem, to within one interaction)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "problem",
        "interaction",
        str,
        "random",
        "how elements' partners are chosen: 'random' (k others, a share k_across in other domains), 'adjacent' "
        "(the k elements that follow each one, wrapping round, as in Levinthal 1997) or 'with_replacement' (each "
        "of the k drawn from all elements, itself included, so partners can repeat, as in Lazer & Friedman's "
        "program); k_across applies to 'random' only",
        choices=INTERACTIONS,
    ),
    _p(
        "problem",
        "turbulence",
        float,
        0.0,
        "share of contribution tables redrawn at each change (0: a static problem; above 0: an adaptive one)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "problem",
        "turbulence_interval",
        int,
        20,
        "steps between changes of an adaptive problem",
        low=1,
        high=100_000,
        unit="steps",
    ),
    # ---- the organizations
    _p("organizations", "n_organizations", int, 12, "organizations working on the problem", low=1, high=1000),
    _p("organizations", "domains_per_organization", int, 1, "domains each organization works in", low=1, high=40),
    _p(
        "organizations",
        "element_coverage",
        float,
        0.6,
        "share of its domains' elements an organization "
        "works on; overlaps are duplication, uncovered elements are gaps",
        low=0.05,
        high=1.0,
    ),
    _p(
        "organizations",
        "capacity",
        int,
        3,
        "candidate changes an organization evaluates when it revises, on its full program budget (the same "
        "rule alone and in the plan)",
        low=1,
        high=100,
        unit="changes/step",
    ),
    _p(
        "organizations",
        "revision_rate",
        float,
        0.3,
        "chance per step that an organization revises its programs (evaluates candidate changes), alone or in "
        "the coalition's plan alike, times its delivery (the share of its programme budget coordination and "
        "backbone costs leave it)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "organizations",
        "memory",
        int,
        10,
        "readings of one state an organization's belief about it rests on fully: repeated readings average "
        "out noise; beyond this many, older ones fade (a moving average of weight 1 / memory)",
        low=1,
        high=1000,
        unit="readings",
    ),
    _p(
        "organizations",
        "gap_uptake",
        float,
        0.1,
        "chance per step that an organization notices an element of its own domains nobody works on and takes "
        "it up, alone or in a coalition alike (organizations respond to unmet needs in their own field)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "organizations",
        "budget",
        float,
        100.0,
        "budget per organization per step (sector multipliers apply)",
        low=0.001,
        high=1e9,
        unit="money/step",
    ),
    _p(
        "organizations",
        "overhead_share",
        float,
        0.2,
        "share of the budget spent on back-office overhead",
        low=0.0,
        high=0.9,
    ),
    _p(
        "organizations",
        "measurement_noise",
        float,
        0.08,
        "standard deviation of the noise in an organization's own outcome data, on the scale every objective is "
        "read on: the community outcome's (0 the whole problem's worst configuration, 1 its best)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "organizations",
        "data_lag",
        int,
        4,
        "steps by which an organization's own outcome data lag behind the problem (they describe it as it was "
        "then); a shared measurement system makes them timelier: the lag is data_lag x (1 - m) + "
        "backbone.shared_lag x m, m the shared measurement level",
        low=0,
        high=1000,
        unit="steps",
    ),
    _p(
        "organizations",
        "solutions",
        str,
        "shared",
        "'shared': organizations act on their region's one community state; 'own': each holds its own "
        "configuration of the whole problem and learns from network neighbours (Lazer and Friedman 2007)",
        choices=SOLUTIONS,
    ),
    _p(
        "organizations",
        "start",
        str,
        "region",
        "where organizations start: 'region': each from its region's one starting configuration; 'random' "
        "(only with solutions = 'own'): each from a random configuration of its own, as in Lazer and Friedman "
        "(2007, p. 677)",
        choices=STARTS,
    ),
    # ---- the coalition design
    _p(
        "conditions",
        "common_agenda",
        float,
        1.0,
        "weight of the community outcome in each member's objective (0: own domains only)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "conditions",
        "shared_measurement",
        float,
        1.0,
        "how far members' data noise falls to the shared system's noise, its lag and what its indicators cover "
        "(the common agenda, not this, sets how far they weigh the community outcome)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "conditions",
        "reinforcing_activities",
        float,
        1.0,
        "probability per step that members' proposals are evaluated jointly through the plan",
        low=0.0,
        high=1.0,
    ),
    _p(
        "conditions",
        "communication",
        float,
        1.0,
        "how much more often a member hears its network neighbours' best configurations: its chance per step is "
        "communication.informal + level x (1 - communication.informal)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "conditions",
        "backbone",
        float,
        1.0,
        "strength of the backbone organization (0: none); scales its staff and its cost",
        low=0.0,
        high=1.0,
    ),
    _p(
        "conditions",
        "dynamics",
        str,
        "fixed",
        "'fixed': every condition level stays exactly as given for the whole run; 'built': levels start as "
        "given, the backbone's roles raise them and they erode without a backbone",
        choices=DYNAMICS,
    ),
    # ---- the backbone
    _p(
        "backbone",
        "staff_capacity",
        float,
        1.0,
        "effort units the backbone spends per step at full strength",
        low=0.0,
        high=100.0,
        unit="effort/step",
    ),
    _p(
        "backbone",
        "cost",
        float,
        120.0,
        "backbone running cost per step at full strength, paid by members (or an outside funder: "
        "costs.backbone_paid_by)",
        low=0.0,
        high=1e9,
        unit="money/step",
    ),
    _p(
        "backbone",
        "growth_rate",
        float,
        0.08,
        "how fast one effort unit on a role raises its condition towards 1",
        low=0.0,
        high=1.0,
        unit="1/effort",
    ),
    *(_role_weight(role, w) for role, w in zip(ROLES, (0.3, 0.3, 0.2, 0.1, 0.05, 0.05), strict=True)),
    _p(
        "backbone",
        "erosion",
        float,
        0.01,
        "with conditions.dynamics = 'built', share of each condition level lost per step without a backbone "
        "(scaled by 1 - backbone): coalitions without support lose momentum",
        low=0.0,
        high=1.0,
    ),
    _p(
        "backbone",
        "maturity_shift",
        bool,
        True,
        "let effort shift from vision and aligned activities to "
        "public will, policy and funding as the initiative matures (source 002)",
    ),
    _p(
        "backbone",
        "maturity_steps",
        int,
        60,
        "steps until the initiative counts as mature",
        low=1,
        high=100_000,
        unit="steps",
    ),
    _p("backbone", "shared_noise", float, 0.01, "noise of the shared measurement system", low=0.0, high=1.0),
    _p(
        "backbone",
        "shared_lag",
        int,
        1,
        "steps by which the shared measurement system's data lag behind the problem (reporting takes time)",
        low=0,
        high=1000,
        unit="steps",
    ),
    _p(
        "backbone",
        "measurement_coverage",
        float,
        1.0,
        "share of the problem the shared measurement system tracks, domain by domain (0.5 of four domains: two "
        "measured, two not); what it does not track it does not see, and members who rely on it optimise what "
        "is measured (Campbell's law)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "backbone",
        "agenda_capture",
        float,
        0.0,
        "how far the common agenda weights domains by the priorities of the region's largest funder (the "
        "organization with the largest base budget, member or not) rather than equally by need (0: by need; "
        "1: that funder's domains only)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "backbone",
        "data_system_cost",
        float,
        30.0,
        "cost per step of the shared data system at full shared measurement",
        low=0.0,
        high=1e9,
        unit="money/step",
    ),
    _p(
        "backbone",
        "policy_win_rate",
        float,
        0.1,
        "chance per effort unit per step that advocacy wins a policy change",
        low=0.0,
        high=1.0,
    ),
    _p(
        "backbone",
        "policy_lift",
        float,
        0.3,
        "how far a policy win lifts an element's contributions towards the best possible",
        low=0.0,
        high=1.0,
    ),
    _p(
        "backbone",
        "funding_yield",
        float,
        400.0,
        "funds mobilized per effort unit per step",
        low=0.0,
        high=1e9,
        unit="money/effort",
    ),
    _p(
        "backbone",
        "public_will_rate",
        float,
        0.1,
        "how fast one effort unit on public will raises community engagement",
        low=0.0,
        high=1.0,
    ),
    # ---- costs
    _p(
        "costs",
        "coordination_cost",
        float,
        4.0,
        "meeting and reporting cost per member per step at full condition levels, for one member; it grows by "
        "costs.coordination_growth for each other member",
        low=0.0,
        high=1e9,
        unit="money/step",
    ),
    _p(
        "costs",
        "coordination_growth",
        float,
        0.05,
        "growth of each member's coordination cost per additional member",
        low=0.0,
        high=10.0,
    ),
    _p(
        "costs",
        "lapse_rate",
        float,
        1.0,
        "chance per step that a program an organization cannot fund lapses: each element it works on returns to "
        "the community's starting value with probability lapse_rate x (1 - delivery), delivery being the share "
        "of a full program budget left after overhead, coordination and backbone costs (1, the default: in "
        "proportion to the money lost; 0: programs carry on whatever their funding)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "costs",
        "backbone_paid_by",
        str,
        "members",
        "who pays the backbone and the shared data system: 'members' (equal shares out of members' budgets) "
        "or 'funder' (an outside funder: shown as income and as backbone cost)",
        choices=PAYERS,
    ),
    # ---- communication
    _p(
        "communication",
        "network",
        str,
        "small_world",
        "who hears whom, in a coalition or not: complete, small_world (Watts-Strogatz), ring (a cycle), linear (a "
        "path), random (Erdos-Renyi with a fixed number of links, connected), erdos_renyi (each pair linked with "
        "probability degree / (n - 1), possibly not connected), connected_erdos_renyi (the same, drawn again until "
        "connected), scale_free (Barabasi-Albert) or file",
        choices=NETWORKS,
    ),
    _p(
        "communication",
        "degree",
        int,
        4,
        "mean number of neighbours per organization in small_world, random and (connected_)erdos_renyi networks "
        "(at least 2 in a small_world network of a region of 3 or more organizations)",
        low=1,
        high=999,
    ),
    _p(
        "communication",
        "rewiring",
        float,
        0.1,
        "share of links rewired at random in small_world networks",
        low=0.0,
        high=1.0,
    ),
    _p(
        "communication",
        "network_file",
        str,
        "",
        "edge list (two organization indices per line) when network is 'file'; relative to the scenario file",
    ),
    _p(
        "communication",
        "contacts_per_step",
        int,
        1,
        "neighbours an organization hears in a step in which it hears its peers (in own-solution mode, every "
        "neighbour)",
        low=1,
        high=100,
    ),
    _p(
        "communication",
        "informal",
        float,
        0.25,
        "chance per step that an organization hears its network peers informally, in or out of a coalition "
        "(about once a year when a step is a quarter); the communication level raises a member's chance from "
        "this towards 1",
        low=0.0,
        high=1.0,
    ),
    _p("communication", "trust_initial", float, 0.5, "trust between organizations at the start", low=0.0, high=1.0),
    _p(
        "communication",
        "trust_gain",
        float,
        0.1,
        "trust gained per contact in which the neighbour shares, doubled when what was shared is taken up",
        low=0.0,
        high=1.0,
    ),
    _p(
        "communication",
        "trust_decay",
        float,
        0.02,
        "share of trust lost per step on a link with no sharing contact",
        low=0.0,
        high=1.0,
    ),
    _p(
        "communication",
        "copy_error",
        float,
        0.0,
        "chance that each element on which an organization differs from the one it imitates fails to be copied "
        "and stays as its own (a partial copy; Lazer and Friedman 2007, p. 684); above 0 every copy is read "
        "before it is taken up, a reading from the same capacity",
        low=0.0,
        high=1.0,
    ),
    _p(
        "communication",
        "after_dropped_copy",
        str,
        "search",
        "what an organization whose partial copy read no better than its own does that step: 'search' (it "
        "searches, as one that copied nothing) or 'stay' (its turn went on copying; it keeps its configuration, "
        "as in Lazer and Friedman 2007, pp. 675, 684); own-solution mode only",
        choices=AFTER_DROPPED_COPY,
    ),
    _p(
        "communication",
        "offers_cost_capacity",
        bool,
        True,
        "whether reading what others offer takes from the step's capacity, so that an organization that listens "
        "searches less (in both solution modes); false makes those readings free, as in Lazer and Friedman "
        "2007, whose actors see every neighbour's result each round (pp. 675-676)",
    ),
    # ---- intercooperation (source 003)
    _p(
        "intercooperation",
        "shared_services",
        float,
        0.0,
        "how far members share back-office services (accounting, legal, quality)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "intercooperation",
        "overhead_savings",
        float,
        0.5,
        "share of overhead that fully shared services save",
        low=0.0,
        high=1.0,
    ),
    _p(
        "intercooperation",
        "joint_bids",
        float,
        0.0,
        "how far members bid jointly for larger public contracts and grants",
        low=0.0,
        high=1.0,
    ),
    _p(
        "intercooperation",
        "joint_bid_value",
        float,
        300.0,
        "funds a winning joint bid brings in",
        low=0.0,
        high=1e9,
        unit="money",
    ),
    _p(
        "intercooperation",
        "shared_platform",
        float,
        0.0,
        "how far an open platform makes what works available whatever the trust: raises every contact's chance "
        "of sharing, in every arm (it is not a condition of collective impact)",
        low=0.0,
        high=1.0,
    ),
    # ---- regions and communities of practice (source 004)
    _p(
        "regions",
        "n_regions",
        int,
        1,
        "regions, each with its own community state and its own coalition",
        low=1,
        high=100,
    ),
    _p(
        "regions",
        "cross_region",
        float,
        0.0,
        "chance per region per step that a community of practice shares what works from another region",
        low=0.0,
        high=1.0,
    ),
    # ---- participation
    _p(
        "participation",
        "initial_members",
        float,
        1.0,
        "share of organizations in the coalition at the start (where there is one)",
        low=0.0,
        high=1.0,
    ),
    _p(
        "participation",
        "review_rate",
        float,
        0.05,
        "chance per step that an organization reconsiders its membership",
        low=0.0,
        high=1.0,
    ),
    _p(
        "participation",
        "engagement_budget_effect",
        float,
        0.5,
        "budget increase at full community engagement (public will)",
        low=0.0,
        high=10.0,
    ),
    # ---- the run
    _p("run", "steps", int, 100, "steps to simulate", low=1, high=1_000_000, unit="steps"),
    _p("run", "target_outcome", float, 0.9, "outcome whose first crossing gives the time to target", low=0.0, high=1.0),
    _p(
        "run",
        "collect_every",
        int,
        1,
        "collect the per-step outputs every this many steps (and at the last step)",
        low=1,
        high=1_000_000,
        unit="steps",
    ),
    _p("run", "agent_data", bool, False, "also collect each organization's state every time outputs are collected"),
    _p(
        "run",
        "draws_key",
        int,
        0,
        "runs with one seed and one key share every random draw their designs allow; another key gives the "
        "behaviour (membership, search, perception, communication, coordination, backbone, programmes) draws of "
        "its own on the "
        "same problem, starting points, organizations and networks",
        low=0,
        high=2**31 - 1,
    ),
    _p(
        "run",
        "draws",
        str,
        "sequential",
        "where a step's random numbers come from in their streams: 'sequential': each part after the one before "
        "(the numbers of every figure in the docs); 'keyed': each part (the search keys, the offers' noise, ...) "
        "where its step and its place in the stream put it, so that numbers no rule of the run reads are never "
        "made (faster where readings have no noise) and other numbers than 'sequential' gives",
        choices=DRAWS,
    ),
)

#: Top-level text fields of a scenario file.
META_FIELDS = {"name": "short name of the scenario", "description": "one line saying what it represents"}

BY_KEY: dict[str, Parameter] = {p.key: p for p in PARAMETERS}
#: Parameters by their short name: names are unique across sections, so a model takes them as keywords.
BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
assert len(BY_NAME) == len(PARAMETERS), "parameter names must be unique across sections"
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in PARAMETERS))


def defaults() -> dict[str, Any]:
    """Every parameter's default, keyed by its dotted name."""
    return {p.key: p.default for p in PARAMETERS}
