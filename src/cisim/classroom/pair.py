"""Two simulations of one problem side by side: isolated impact and a coalition design, stepping together."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import mesa

from cisim.classroom import data
from cisim.scenarios.scenario import Scenario, default_scenario
from cisim.scenarios.schema import BY_KEY, CONDITIONS


@dataclass(frozen=True)
class Setting:
    """A parameter the teacher sets on the page: its keyword, its scenario field, a short label and a slider step.

    Labels are short because Mesa shows them beside the slider; the schema's help text says the rest.
    """

    name: str
    key: str
    label: str
    step: float

    @property
    def is_whole(self) -> bool:
        """Whether it takes whole numbers only."""
        return BY_KEY[self.key].kind is int


@dataclass(frozen=True)
class Choice:
    """A parameter the teacher picks from a list on the page: its keyword, its scenario field and a short label."""

    name: str
    key: str
    label: str

    @property
    def values(self) -> tuple[str, ...]:
        """What can be picked: the schema's choices."""
        return BY_KEY[self.key].choices or ()


#: What the page's sliders set, in the order shown. Keywords are the schema's own short names.
SETTINGS: tuple[Setting, ...] = (
    Setting("k", "problem.k", "Complexity k", 1),
    Setting("k_across", "problem.k_across", "Across domains", 0.05),
    Setting("common_agenda", "conditions.common_agenda", "Common agenda", 0.05),
    Setting("shared_measurement", "conditions.shared_measurement", "Shared measurement", 0.05),
    Setting("reinforcing_activities", "conditions.reinforcing_activities", "Reinforcing activities", 0.05),
    Setting("communication", "conditions.communication", "Communication", 0.05),
    Setting("backbone", "conditions.backbone", "Backbone", 0.05),
    Setting("measurement_coverage", "backbone.measurement_coverage", "Indicators cover", 0.05),
    Setting("agenda_capture", "backbone.agenda_capture", "Agenda captured", 0.05),
    Setting("coordination_cost", "costs.coordination_cost", "Coordination cost", 0.5),
    Setting("measurement_noise", "organizations.measurement_noise", "Data noise", 0.01),
)
#: What the page offers as lists: whether condition levels are held fixed or built over the run by a backbone.
CHOICES: tuple[Choice, ...] = (Choice("dynamics", "conditions.dynamics", "Condition levels"),)
#: Every setting and choice by keyword, and the order the sidebar shows them in (the choice after the conditions).
_AFTER_CONDITIONS = [setting.name for setting in SETTINGS].index("backbone") + 1
CONTROLS: tuple[Setting | Choice, ...] = (*SETTINGS[:_AFTER_CONDITIONS], *CHOICES, *SETTINGS[_AFTER_CONDITIONS:])
BY_NAME: dict[str, Setting | Choice] = {control.name: control for control in CONTROLS}


#: The seed both sides start with when the page opens (and the demo's animation, so that they show one run):
#: the run of the complex scenario that lies nearest the means of 20 runs (final outcomes, duplication and gaps).
#: ``cisim demo --lesson`` reports which seed that is (A9); when the model changes, set this to it.
DEFAULT_SEED = 2


def slider_range(setting: Setting, scenario: Scenario) -> tuple[float, float]:
    """The range a slider offers for ``setting`` on ``scenario``: the schema's range, cut to what a class needs."""
    parameter = BY_KEY[setting.key]
    low = float(parameter.low if parameter.low is not None else 0.0)
    if setting.key == "problem.k":
        return low, float(scenario["problem.n_elements"] - 1)
    if setting.key == "costs.coordination_cost":
        return low, float(max(20.0, 4 * scenario[setting.key]))
    if setting.key == "organizations.measurement_noise":
        return low, float(max(0.5, scenario[setting.key]))
    return low, float(parameter.high if parameter.high is not None else 1.0)


def parse_seed(text: Any) -> int | None:
    """The seed typed in the seed box, or ``None`` when it is not a whole number of 0 or more."""
    try:
        seed = int(str(text).strip())
    except ValueError:
        return None
    return seed if seed >= 0 else None


def seed_to_run(text: Any) -> int:
    """The seed RESET runs for what the seed box holds: the seed typed (``" 7"`` is 7), else 0."""
    parsed = parse_seed(text)
    return parsed if parsed is not None else 0


def seed_notice(text: Any, waiting: bool = False) -> str:
    """What the page says of the seed typed: ``""`` for a seed, else that seed 0 is used instead.

    ``waiting``: the text is still only in the seed box, so RESET will use 0 (rather than: the run uses 0).
    """
    if parse_seed(text) is not None:
        return ""
    return f"Seed {str(text)!r} is not a whole number of 0 or more; {'RESET will use' if waiting else 'using'} 0."


def _typed(name: str, value: Any) -> Any:
    """A value from the page, as the scenario field behind keyword ``name`` holds it."""
    return BY_KEY[BY_NAME[name].key].kind(value)


class SideBySide(mesa.Model):
    """Isolated impact and a scenario's coalition design on the same problem and seed, stepping together.

    Both simulations are built from one scenario and one seed, so they start from the same problem,
    organizations, networks and community state (common random numbers); only the coalition design differs.
    The left one runs the scenario with every condition at 0 (isolated impact); the right one runs the
    scenario's own coalition design. Settings given as keywords override the scenario's values for both.

    Args:
        base: the scenario both start from (default: the built-in defaults). Not called ``scenario``: Mesa's
            models keep their own experiment scenario under that name.
        seed: the seed of both simulations, as typed (text is accepted; see ``notice``).
        rng: unused; the two simulations draw from their own generators seeded with ``seed``.
        **settings: values for the names in ``SETTINGS`` and ``CHOICES`` (``None``: the scenario's value).

    Attributes:
        base: the scenario with the settings applied.
        isolated: the left simulation (isolated impact).
        coalition: the right simulation (the scenario's coalition design).
        last_step: steps to run (the scenario's ``run.steps``).
        notice: a message for the page when the seed typed could not be used, else ``""``.
    """

    def __init__(
        self,
        base: Scenario | None = None,
        seed: int | str = DEFAULT_SEED,
        rng: Any = None,
        k: int | None = None,
        k_across: float | None = None,
        common_agenda: float | None = None,
        shared_measurement: float | None = None,
        reinforcing_activities: float | None = None,
        communication: float | None = None,
        backbone: float | None = None,
        measurement_coverage: float | None = None,
        agenda_capture: float | None = None,
        dynamics: str | None = None,
        coordination_cost: float | None = None,
        measurement_noise: float | None = None,
    ) -> None:
        """Build both simulations; see the class docstring for the arguments."""
        self.notice = seed_notice(seed)
        self.seed_used = seed_to_run(seed)
        super().__init__(rng=self.seed_used if rng is None else rng)
        given = {
            "k": k,
            "k_across": k_across,
            "common_agenda": common_agenda,
            "shared_measurement": shared_measurement,
            "reinforcing_activities": reinforcing_activities,
            "communication": communication,
            "backbone": backbone,
            "measurement_coverage": measurement_coverage,
            "agenda_capture": agenda_capture,
            "dynamics": dynamics,
            "coordination_cost": coordination_cost,
            "measurement_noise": measurement_noise,
        }
        start = base or default_scenario()
        changes = {
            BY_NAME[name].key.replace(".", "__"): _typed(name, value)
            for name, value in given.items()
            if value is not None
        }
        self.base = start.with_values(**changes) if changes else start
        self.isolated_scenario = self.base.with_arm("isolated")
        self.coalition_scenario = self.base.with_arm("scenario")
        self.isolated = data.build_model(self.isolated_scenario, self.seed_used)
        self.coalition = data.build_model(self.coalition_scenario, self.seed_used)
        self.last_step = int(self.base["run.steps"])
        self._snapshots: tuple[tuple[int, int], tuple[data.Snapshot, data.Snapshot]] | None = None
        # The page steps in a thread of its own while it redraws: a step and a reading never overlap.
        self._lock = threading.Lock()
        # The step each side's live numbers were last sent to the browser at (see ``shown`` and ``wait_shown``).
        self._shown = threading.Condition()
        self._shown_steps = {"isolated": -1, "coalition": -1}

    @property
    def levels(self) -> dict[str, float]:
        """The coalition design's condition levels (the right simulation's, as set, or as they start when built)."""
        return {condition: float(self.coalition_scenario[f"conditions.{condition}"]) for condition in CONDITIONS}

    @property
    def levels_change(self) -> bool:
        """Whether the coalition's condition levels change during the run (built by a backbone, not held fixed)."""
        return data.conditions_change(self.coalition_scenario)

    def step(self) -> None:
        """Advance both simulations by one step; stop after the scenario's last step."""
        with self._lock:
            self.isolated.step()
            self.coalition.step()
            self.running = self.steps < self.last_step and bool(self.isolated.running and self.coalition.running)

    def snapshots(self) -> tuple[data.Snapshot, data.Snapshot]:
        """The state of both simulations now: isolated impact first.

        Read once per step however many views ask for it.
        """
        with self._lock:
            # Keyed on the simulations' own steps: Mesa counts the pair's step before running it.
            now = (self.isolated.steps, self.coalition.steps)
            if self._snapshots is None or self._snapshots[0] != now:
                self._snapshots = (now, (data.snapshot(self.isolated), data.snapshot(self.coalition)))
            return self._snapshots[1]

    def shown(self, side: str, step: int) -> None:
        """Note that the page has sent ``side``'s live numbers at ``step`` to the browser."""
        with self._shown:
            self._shown_steps[side] = max(self._shown_steps[side], step)
            self._shown.notify_all()

    def wait_shown(self, step: int, timeout: float) -> bool:
        """Wait until the page has sent both sides' live numbers at ``step`` or later; whether it did in time.

        Play waits on this between steps. Without it, steps run ahead of the redraws: one redraw then moves both
        sides on by several steps, and the browser, which applies each side's update in turn with the pictures
        in between, shows the two sides several steps apart until the second arrives.
        """
        with self._shown:
            return self._shown.wait_for(lambda: min(self._shown_steps.values()) >= step, timeout)
