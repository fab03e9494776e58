"""Named reporter functions for Mesa's DataCollector: picklable and reusable by the page and the analysis.

Their names and meanings are listed once in ``cisim.model.outputs``. Outputs that change only when what they
read changes (duplication and gaps when portfolios change, domain outcomes when the state or the problem
changes, condition levels when the levels change) are computed once and kept until then (``_unless_changed``).
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

import mesa
import numpy as np

from cisim.problem.compiled import kernel, mean_domain_outcomes, numpy_sum
from cisim.scenarios.schema import CONDITIONS

#: Cost-effectiveness is reported in percentage points of progress per this much spent.
SPEND_UNIT = 100_000


def community_outcome(model: Any) -> float:
    """Share of what is achievable now: mean over regions (own-solution mode: over organizations).

    The model measures it once after every step (``CollectiveImpactModel.snapshot``).
    """
    return model.snapshot["outcome"]


def _unless_changed(model: Any, name: str, key: Any, compute: Any) -> Any:
    """``compute(model)``, or the value it gave last time if ``key`` (what it depends on) is unchanged."""
    cache = model.__dict__.setdefault("_report_cache", {})
    kept = cache.get(name)
    if kept is None or kept[0] != key:
        kept = cache[name] = (key, compute(model))
    return kept[1]


def policy_gain(model: Any) -> float:
    """How far policy wins have raised the best achievable outcome (share of the range without them)."""
    return _unless_changed(model, "policy_gain", model.landscape.version, _policy_gain)


def _policy_gain(model: Any) -> float:
    return float(model.landscape.policy_gain)


def domain_outcome(model: Any, domain: int) -> float:
    """Share of what is achievable now in one domain, mean over regions (or organizations)."""
    return _all_domain_outcomes(model)[domain]


def _all_domain_outcomes(model: Any) -> list[float]:
    """Every domain's outcome now (``domain_outcome``), computed once per step for all domains."""
    snapshot = model.snapshot
    if "domains" not in snapshot:
        key = (model.landscape.version, _state(model).tobytes())
        snapshot["domains"] = _unless_changed(model, "domain_outcomes", key, _domain_outcomes).tolist()
    return snapshot["domains"]


def _domain_outcomes(model: Any) -> np.ndarray:
    """``landscape.domain_outcomes(state).mean(axis=0)``, compiled."""
    landscape = model.landscape
    extremes = landscape.extremes
    return mean_domain_outcomes(
        landscape.tables.ravel(),
        landscape.index_tables,
        landscape.domain_starts,
        landscape.domain_sizes,
        extremes.domain_minimum,
        extremes.domain_maximum - extremes.domain_minimum,
        not extremes.exact,
        _state(model),
    )


def _state(model: Any) -> np.ndarray:
    return model.population.known if model.own_solutions else model.region_configs


def duplication_index(model: Any) -> float:
    """Share of effort spent on elements that another organization in the same region also works on.

    An organization's effort is its base capacity spread evenly over the elements it works on.
    """
    return _unless_changed(model, "division_of_work", model.population.portfolio.tobytes(), _division_of_work)[0]


def gap_share(model: Any) -> float:
    """Share of elements that no organization in their region works on (mean over regions)."""
    return _unless_changed(model, "division_of_work", model.population.portfolio.tobytes(), _division_of_work)[1]


def _division_of_work(model: Any) -> tuple[float, float]:
    """Duplication index and gap share, which change only when portfolios change."""
    population = model.population
    return division_of_work(population.portfolio, population.region, population.base_capacity, len(model.regions))


@kernel
def division_of_work(
    portfolio: np.ndarray, region: np.ndarray, base_capacity: np.ndarray, regions: int
) -> tuple[float, float]:
    """Duplication index and gap share of these portfolios (sums in numpy's order: ``numpy_sum``)."""
    count, n = portfolio.shape
    workers = np.zeros((regions, n), dtype=np.intp)
    for o in range(count):
        for e in range(n):
            workers[region[o], e] += portfolio[o, e]
    effort = np.zeros(count * n)
    shared = np.empty(count * n)
    n_shared = 0
    for o in range(count):
        share = base_capacity[o] / max(portfolio[o].sum(), 1)
        for e in range(n):
            if portfolio[o, e]:
                effort[o * n + e] = share
            if workers[region[o], e] >= 2:
                shared[n_shared] = effort[o * n + e]
                n_shared += 1
    total = numpy_sum(effort)
    duplication = numpy_sum(shared[:n_shared]) / total if total else 0.0
    gaps = 0
    for r in range(regions):
        for e in range(n):
            gaps += workers[r, e] == 0
    return duplication, gaps / (regions * n)


def program_spend(model: Any) -> float:
    """What organizations spent on their own programs (overhead included) this step."""
    return model.ledger.program_spend


def coordination_cost(model: Any) -> float:
    """Members' meeting and reporting costs this step."""
    return model.ledger.coordination_cost


def backbone_cost(model: Any) -> float:
    """Backbone running and shared data system costs this step."""
    return model.ledger.backbone_cost


def spend(model: Any) -> float:
    """Everything spent this step: program spend + coordination cost + backbone cost."""
    return model.ledger.spend


def total_spend(model: Any) -> float:
    """Everything spent so far."""
    return model.ledger.total_spend


def income(model: Any) -> float:
    """Money brought in from outside this step."""
    return model.ledger.income


def total_income(model: Any) -> float:
    """Money brought in from outside so far."""
    return model.ledger.total_income


def cost_effectiveness(model: Any) -> float:
    """Percentage points of community outcome gained since the start per 100,000 spent."""
    return points_per_spend(community_outcome(model) - model.initial_outcome, model.ledger.total_spend)


def points_per_spend(gain: float, spent: float) -> float:
    """Percentage points of outcome gained per ``SPEND_UNIT`` spent (NaN before anything is spent)."""
    return 100 * gain / spent * SPEND_UNIT if spent else float("nan")


def candidates_evaluated(model: Any) -> int:
    """Readings this step: candidate changes organizations evaluated, and backbones' readings when they win policy."""
    return model.candidates_evaluated


def mean_trust(model: Any) -> float:
    """Mean trust over all communication links."""
    trust = model.network.trust
    return _mean(trust) if trust.size else 0.0


def coalition_size(model: Any) -> int:
    """Organizations in a coalition, over all regions."""
    return _count(model.population.member)


def mean_capacity(model: Any) -> float:
    """Mean number of candidate changes organizations can evaluate next step."""
    return _mean(model.population.capacity)


@kernel
def _mean(values: np.ndarray) -> float:
    """The mean of a 1-D array as numpy computes it (``numpy_sum``), in a fraction of numpy's call cost."""
    return numpy_sum(values) / values.shape[0]


@kernel
def _count(flags: np.ndarray) -> int:
    """How many of ``flags`` are set."""
    count = 0
    for flag in flags:
        count += flag
    return count


def adoptions(model: Any) -> int:
    """Better configurations taken up from others this step (network and communities of practice)."""
    return model.adoptions


def condition_level(model: Any, condition: str) -> float:
    """Level of one condition, mean over regions that have a coalition (0 where none has)."""
    return _all_condition_levels(model)[condition]


def _all_condition_levels(model: Any) -> dict[str, float]:
    """Every condition's level now (``condition_level``), computed once per step for all conditions."""
    snapshot = model.snapshot
    if "levels" not in snapshot:
        snapshot["levels"] = _unless_changed(model, "condition_levels", model.levels.tobytes(), _condition_levels)
    return snapshot["levels"]


def _condition_levels(model: Any) -> dict[str, float]:
    levels = model.levels[model.has_coalition]
    if not len(levels):
        return dict.fromkeys(CONDITIONS, 0.0)
    # Each mean is taken from the lowest level up, so regions that all hold one level report it exactly
    # (a plain sum / n reads three regions at 0.1 as 0.10000000000000002), and no mean leaves [lowest, highest].
    low, high = levels.min(axis=0), levels.max(axis=0)
    means = np.clip(low + (levels - low).sum(axis=0) / len(levels), low, high)
    return {c: float(means[i]) for i, c in enumerate(CONDITIONS)}


def engagement(model: Any) -> float:
    """Community engagement built by public will, mean over regions."""
    return sum(model.region_engagement.tolist()) / len(model.regions)


def funds_mobilized(model: Any) -> float:
    """Grants and joint-bid funds brought in so far."""
    grants = sum(region.backbone.funds_mobilized for region in model.regions if region.backbone)
    return grants + model.ledger.joint_bid_funds


def policy_wins(model: Any) -> int:
    """Policy changes won so far."""
    return sum(region.backbone.policy_wins for region in model.regions if region.backbone)


_SIMPLE = (
    policy_gain,
    duplication_index,
    gap_share,
    program_spend,
    coordination_cost,
    backbone_cost,
    spend,
    total_spend,
    income,
    total_income,
    cost_effectiveness,
    candidates_evaluated,
    mean_trust,
    coalition_size,
    mean_capacity,
    adoptions,
    engagement,
    funds_mobilized,
    policy_wins,
)


class OutputCollector(mesa.DataCollector):
    """Mesa's DataCollector, collecting the model's outputs together and without copying them.

    The model's own reporters (``model_reporters``) are computed together, in one call per collection
    (``step_outputs``): one call per output cost about as much as the rest of a step's Python. Their values are
    kept as one row per collection and moved into ``model_vars``' lists (one per reporter, as Mesa keeps them)
    whenever ``model_vars`` is read, so a collection appends one row rather than a value to each of about thirty
    lists; whoever reads ``model_vars`` (or ``get_model_vars_dataframe``) sees every value collected. Once the table
    holds anything else (a reporter added, removed or replaced), every reporter is called one by one, as Mesa
    calls them. Mesa deep-copies whatever a model reporter
    returns, in case it is an object the model changes later; these reporters each return a new float or int,
    so nothing is copied. Agent reporters are collected as Mesa collects them.
    """

    def __init__(self, model_reporters: dict[str, Any] | None = None, **others: Any) -> None:
        """Mesa's DataCollector; the model reporters it starts with are remembered, to tell when they change."""
        self._rows: list[list[Any]] = []
        super().__init__(model_reporters=model_reporters, **others)
        self._own = dict(self.model_reporters)
        self._own_names = tuple(self._own)

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Each model reporter's values, one list per reporter (Mesa's ``model_vars``), every row moved in."""
        rows = self._rows
        if rows:
            self._rows = []
            for column, values in zip(self._model_vars.values(), zip(*rows, strict=True), strict=True):
                column.extend(values)
        return self._model_vars

    @model_vars.setter
    def model_vars(self, table: dict[str, list[Any]]) -> None:
        self._rows = []
        self._model_vars = table

    def collect(self, model: Any) -> None:
        """Collect every model reporter's value now (and the agent reporters', if any)."""
        self._collection_steps.append(model.time)
        # The same names and the very same functions (partials: identity), in the order step_outputs gives them.
        if self.model_reporters == self._own and self._own_names == output_names(model.landscape.n_domains):
            self._rows.append(step_outputs(model))
        else:
            for name, reporter in self.model_reporters.items():
                self.model_vars[name].append(reporter(model))
        if self.agent_reporters:
            self._agent_records[model.time] = list(self._record_agents(model))
        if self.agenttype_reporters:
            self._agenttype_records[model.time] = {
                agent_type: list(self._record_agenttype(model, agent_type)) for agent_type in self.agenttype_reporters
            }


def step_outputs(model: Any) -> list[Any]:
    """The value of every per-step output now, in the order of ``model_reporters``: what each reporter returns."""
    ledger = model.ledger
    outcome = community_outcome(model)
    duplication, gaps = _unless_changed(
        model, "division_of_work", model.population.portfolio.tobytes(), _division_of_work
    )
    return [
        outcome,
        policy_gain(model),
        *_all_domain_outcomes(model),
        duplication,
        gaps,
        ledger.program_spend,
        ledger.coordination_cost,
        ledger.backbone_cost,
        ledger.spend,
        ledger.total_spend,
        ledger.income,
        ledger.total_income,
        points_per_spend(outcome - model.initial_outcome, ledger.total_spend),
        model.candidates_evaluated,
        mean_trust(model),
        coalition_size(model),
        mean_capacity(model),
        model.adoptions,
        engagement(model),
        funds_mobilized(model),
        policy_wins(model),
        *_all_condition_levels(model).values(),
    ]


@cache
def output_names(n_domains: int) -> tuple[str, ...]:
    """The per-step outputs' names, in the order of ``model_reporters`` and ``step_outputs``."""
    return tuple(model_reporters(n_domains))


def model_reporters(n_domains: int) -> dict[str, Any]:
    """The per-step outputs (``cisim.model.outputs.STEP_OUTPUTS``), as named, picklable reporter functions."""
    table: dict[str, Any] = {"community_outcome": community_outcome}
    table["policy_gain"] = policy_gain
    table.update({f"outcome_domain_{d}": partial(domain_outcome, domain=d) for d in range(n_domains)})
    table.update({function.__name__: function for function in _SIMPLE[1:]})
    table.update({f"level_{c}": partial(condition_level, condition=c) for c in CONDITIONS})
    return table


#: Each organization's state, collected with the model outputs when ``run.agent_data`` is on.
AGENT_REPORTERS: dict[str, str] = {
    "region": "region",
    "sector": "sector",
    "member": "member",
    "elements": "elements",
    "budget": "budget",
    "capacity": "capacity",
    "measurement_noise": "measurement_noise",
    "trust": "trust",
    "outcome": "outcome",
}
