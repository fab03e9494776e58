"""The shared agenda and socialisation: March's (1991) model of mutual learning, in cisim's terms.

March, J. G. (1991). Exploration and exploitation in organizational learning. Organization Science 2(1).

In a coalition, the backbone holds the **common agenda**: the coalition's received view of what works on
each of ``dimensions`` aspects of the problem (March's *organizational code*). Each member organization holds
its own **beliefs** on the same aspects. The problem has a true answer on each aspect (*reality*, +1 or -1);
beliefs and the agenda say +1, -1, or 0 (no view). Nobody sees the answer; they see results.

One period (the order of March's original program, as documented by Christensen 2015 and recreated by
Workiewicz 2019):

1. **Members act** on their beliefs (a coin flip where they have no view); an organization's result is the
   number of aspects it got right minus those it got wrong.
2. **Socialisation** (rate ``p1``): on each aspect where the agenda has a view that differs from a member's
   belief, with probability ``p1`` the belief moves one step towards the agenda (-1 to 0 to +1 or back).
   This is how strongly the common agenda pulls members into line.
3. **The agenda learns** (rate ``p2``) from the members whose results beat the agenda's own score: on each
   aspect where the majority of those members acted differently from the agenda, by ``k`` votes, the agenda
   adopts the majority's view with probability ``1 - (1 - p2) ** k`` (March 1991, footnote 1). This is how
   readily the backbone revises the agenda from members who outperform it (shared measurement shows who).

The coalition settles when the agenda can no longer learn (no member could beat it) and every member holds
the agenda's view. Its **equilibrium knowledge** is the agenda's score over ``dimensions`` (aspects right
minus aspects wrong), as in the recreation of the original program.

Randomness: every coalition of a batch is an independent replicate; a batch is drawn from one numpy
Generator, so one seed gives one result. Batches for different rates start from the same seed, so the
replicates are paired across rates (same answers, same starting beliefs).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.validation.estimates import mean_interval, paired_difference
from cisim.validation.runner import ExperimentOutcome, Measurements, Problem
from cisim.validation.spec import Field, ValidationSpec


class SharedAgenda:
    """A batch of independent coalitions, each a common agenda and its members' beliefs (March 1991).

    Args:
        dimensions: aspects of the problem (March's m).
        organizations: member organizations per coalition (March's n).
        socialisation: chance per period and aspect that a member moves towards the agenda (March's p1).
        agenda_learning: the agenda's learning rate from members who outperform it (March's p2).
        coalitions: independent replicates advanced together.
        rng: the generator every draw comes from.
    """

    def __init__(
        self,
        dimensions: int,
        organizations: int,
        socialisation: float,
        agenda_learning: float,
        coalitions: int,
        rng: np.random.Generator,
    ) -> None:
        self.socialisation = socialisation
        self.agenda_learning = agenda_learning
        self.rng = rng
        self.reality = rng.choice(np.array([-1, 1], dtype=np.int8), size=(coalitions, dimensions))
        self.beliefs = rng.integers(-1, 2, size=(coalitions, organizations, dimensions), dtype=np.int8)
        self.agenda = np.zeros((coalitions, dimensions), dtype=np.int8)
        self.settled = np.zeros(coalitions, dtype=bool)
        self.periods = np.zeros(coalitions, dtype=np.int64)

    def agenda_score(self) -> np.ndarray:
        """Per coalition: aspects the agenda has right minus aspects it has wrong."""
        return (self.agenda * self.reality).sum(axis=1, dtype=np.int32)

    def knowledge(self) -> np.ndarray:
        """Per coalition: the agenda's score as a share of the aspects (1: the agenda is right everywhere)."""
        return self.agenda_score() / self.reality.shape[1]

    def share_right(self) -> np.ndarray:
        """Per coalition: the share of aspects on which the agenda holds the right view."""
        return (self.agenda == self.reality).mean(axis=1)

    def step(self) -> None:
        """One period for every coalition not yet settled: members act, are socialised, the agenda learns."""
        active = ~self.settled
        agenda = self.agenda[:, None, :]
        # draws have the same shape every period, so coalitions stay on the same random numbers across rates
        coin = self.rng.choice(np.array([-1, 1], dtype=np.int8), size=self.beliefs.shape)
        pull = self.rng.random(self.beliefs.shape) < self.socialisation
        adopt = self.rng.random(self.agenda.shape)

        actions = np.where(self.beliefs != 0, self.beliefs, coin)
        results = (actions * self.reality[:, None, :]).sum(axis=2, dtype=np.int32)

        moves = pull & (agenda != 0) & (self.beliefs != agenda) & active[:, None, None]
        self.beliefs = np.where(moves, self.beliefs + agenda, self.beliefs).astype(np.int8)

        superior = (results > self.agenda_score()[:, None])[:, :, None]
        votes = ((actions == 1) & superior).sum(axis=1) - ((actions == -1) & superior).sum(axis=1)
        majority = np.sign(votes).astype(np.int8)
        chance = 1.0 - (1.0 - self.agenda_learning) ** np.abs(votes)
        learns = (majority != 0) & (self.agenda != majority) & (adopt < chance) & active[:, None]
        self.agenda = np.where(learns, majority, self.agenda)

        self.periods[active] += 1
        self.settled |= self._at_rest()

    def _at_rest(self) -> np.ndarray:
        """Coalitions where no member could beat the agenda and every member holds the agenda's view."""
        reality = self.reality[:, None, :]
        best_possible = (self.beliefs * reality).sum(axis=2, dtype=np.int32) + (self.beliefs == 0).sum(
            axis=2, dtype=np.int32
        )
        agenda_can_learn = (best_possible > self.agenda_score()[:, None]).any(axis=1)
        members_can_learn = (self.beliefs != self.agenda[:, None, :]).any(axis=(1, 2))
        return ~agenda_can_learn & ~members_can_learn

    def run(self, max_periods: int) -> None:
        """Advance until every coalition has settled, or ``max_periods`` have passed."""
        while not self.settled.all() and int(self.periods.max()) < max_periods:
            self.step()


class MarchDriver:
    """March (1991) Figure 1: equilibrium knowledge of the common agenda for each socialisation and learning rate."""

    parameters: ClassVar[dict[str, Field]] = {
        "dimensions": Field("int", "aspects of the problem, March's m", 1, 1000),
        "organizations": Field("int", "member organizations, March's n", 1, 10_000),
        "agenda_learning_rates": Field("float_list", "agenda learning rates p2", 0.0, 1.0),
        "max_periods": Field(
            "int", "periods after which an unsettled coalition is recorded as it stands", 1, 10_000_000
        ),
    }
    sizes: ClassVar[dict[str, Field]] = {
        "replicates": Field("int", "coalitions per pair of rates", 2, 10_000_000),
        "socialisation_rates": Field("float_list", "socialisation rates p1 (the x axis of Figure 1)", 0.0, 1.0),
    }
    measures: ClassVar[dict[str, str]] = {
        "equilibrium_knowledge": "mean equilibrium knowledge of the agenda, by 'p2=..,p1=..'",
        "slow_minus_fast_socialisation": "knowledge at the slowest p1 minus at the fastest (paired), by 'p2=..'",
        "agenda_learning_effect": "paired difference: knowledge at the fastest p2 minus at the slowest, by 'p1=..'",
        "periods_to_equilibrium": "mean periods until the coalition settles, by 'p2=..,p1=..'",
    }
    uses_model: ClassVar[bool] = False
    studies: ClassVar[tuple[str, ...]] = ()

    def check(self, spec: ValidationSpec) -> list[str]:
        """Rates need at least two values each to compare."""
        problems = []
        rates = [("parameters", "agenda_learning_rates", spec.parameters["agenda_learning_rates"])]
        rates += [
            (size, "socialisation_rates", getattr(spec, size)["socialisation_rates"]) for size in ("full", "quick")
        ]
        for table, key, values in rates:
            if len(set(values)) < 2:
                problems.append(f"field '{table}.{key}' = {values!r}: expected at least two different rates")
        return problems

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """One problem per pair of rates: ``replicates`` coalitions from the experiment's seed (paired across rates)."""
        p1s, p2s = sorted(sizes["socialisation_rates"]), sorted(spec.parameters["agenda_learning_rates"])
        return [Problem((p2, p1, sizes["replicates"])) for p2 in p2s for p1 in p1s]

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, Any]:
        """Run one pair of rates' coalitions to equilibrium."""
        p2, p1, replicates = problem.key
        p = spec.parameters
        coalition = SharedAgenda(
            p["dimensions"], p["organizations"], p1, p2, replicates, np.random.default_rng(spec.seed)
        )
        coalition.run(p["max_periods"])
        return {
            "knowledge": coalition.knowledge(),
            "right": coalition.share_right(),
            "periods": coalition.periods.astype(float),
            "unsettled": int((~coalition.settled).sum()),
        }

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """Equilibrium knowledge and its differences for every pair of rates."""
        p = spec.parameters
        p1s, p2s = sorted(sizes["socialisation_rates"]), sorted(p["agenda_learning_rates"])
        cells = [(p2, p1) for p2 in p2s for p1 in p1s]
        knowledge = {cell: solved["knowledge"] for cell, solved in zip(cells, solutions, strict=True)}
        right = {cell: solved["right"] for cell, solved in zip(cells, solutions, strict=True)}
        periods = {cell: solved["periods"] for cell, solved in zip(cells, solutions, strict=True)}
        unsettled = sum(solved["unsettled"] for solved in solutions)
        estimates: dict[str, Any] = {
            "equilibrium_knowledge": {_cell(p2, p1): mean_interval(v) for (p2, p1), v in knowledge.items()},
            "periods_to_equilibrium": {_cell(p2, p1): mean_interval(v) for (p2, p1), v in periods.items()},
            "slow_minus_fast_socialisation": {
                f"p2={p2:g}": paired_difference(knowledge[p2, p1s[0]], knowledge[p2, p1s[-1]]) for p2 in p2s
            },
            "agenda_learning_effect": {
                f"p1={p1:g}": paired_difference(knowledge[p2s[-1], p1], knowledge[p2s[0], p1]) for p1 in p1s
            },
        }
        measured = {
            "equilibrium_knowledge": _nested(knowledge, p2s, p1s),
            "equilibrium_share_right": _nested(right, p2s, p1s),
            "periods_to_equilibrium": _nested(periods, p2s, p1s),
        }
        notes = []
        if unsettled:
            notes.append(
                f"{unsettled} coalitions had not settled after {p['max_periods']} periods; recorded as they stood"
            )
        return Measurements(estimates, measured, {"p1": p1s, "p2": p2s}, notes)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Equilibrium knowledge against p1 for each p2, beside the published figures."""
        from cisim.validation.figures import march_figure

        return [march_figure(outcome, folder / f"{outcome.spec.name}.png")]


def _cell(p2: float, p1: float) -> str:
    return f"p2={p2:g},p1={p1:g}"


def _nested(
    values: dict[tuple[float, float], np.ndarray], p2s: list[float], p1s: list[float]
) -> dict[str, dict[str, float]]:
    """p2 -> p1 -> mean, with rates written as in the experiment file."""
    return {f"{p2:g}": {f"{p1:g}": float(values[p2, p1].mean()) for p1 in p1s} for p2 in p2s}


DRIVER = MarchDriver()
