"""The classroom's views of one simulation, drawn with matplotlib: one implementation for the page and the demo.

Each view draws on an axes it is given and changes only its data artists on ``update``, so the page can draw
its axes once and redraw just the data each step (see ``cisim.classroom.canvas``), and the demo's animation
can draw several views into one figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cisim.classroom import data
from cisim.plots.colours import COALITION_COLOUR
from cisim.scenarios.schema import CONDITIONS

#: Colours of the domains and the series, from the colour-blind-safe Okabe-Ito palette; the two sides take
#: the arms' colours of every figure of cisim (``cisim.plots.colours``): isolated vermilion, coalition blue.
DOMAIN_COLOURS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#0072B2", "#D55E00", "#999999")
DUPLICATION_COLOUR, GAPS_COLOUR = "#CC79A7", "#E69F00"
COORDINATION_COLOUR, BACKBONE_COLOUR, INCOME_COLOUR = "#CC79A7", "#555555", "#000000"
#: The network's links: dark where something was shared over them this step, faint where nothing was.
CONTACT_RGBA, QUIET_RGBA = to_rgba("#333333", 0.85), to_rgba("#BBBBBB", 0.35)
CONDITION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#000000")
CONDITION_MARKERS = ("o", "s", "^", "v", "D")
#: Font sizes of the page's views, applied explicitly: other parts of cisim set larger ones for slides. Every
#: text is 13 pt: a view 4.8 inches wide is shown about 400 pixels wide on a 1280 x 720 projector, where 13 pt
#: comes to about 15 pixels, near the captions' 18 (9 pt, as before, came to 10: too small for the back row).
PAGE_STYLE: dict[Any, Any] = {
    "font.size": 13,
    "axes.labelsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "axes.titlesize": 14,
}
#: A compact legend in rows above the axes, for views whose data can fill the whole axes: hung from the top
#: left corner of the figure (``legend_above``), since at 13 pt two columns need nearly the figure's width.
LEGEND_ABOVE: dict[str, Any] = {
    "loc": "upper left",
    "bbox_to_anchor": (0.0, 1.0),
    "frameon": False,
    "borderaxespad": 0.2,
    "handlelength": 1.2,
    "handletextpad": 0.4,
    "columnspacing": 0.8,
}
#: Width of a view's own figure on the page (inches; its height is the view's ``height``).
WIDTH = 4.8
#: Margins around a time view's axes in its own figure (inches): the y tick labels and label at the left, half
#: the last step's tick label at the right, the x tick labels and label below, half a tick label above.
LEFT, RIGHT, BOTTOM, TOP = 0.8, 0.24, 0.56, 0.12
#: The height of a legend row above the axes (inches).
LEGEND_ROW = 0.3
CONDITION_NAMES = {
    "common_agenda": "common agenda",
    "shared_measurement": "shared measurement",
    "reinforcing_activities": "reinforcing activities",
    "communication": "communication",
    "backbone": "backbone",
}


@dataclass(frozen=True)
class Scale:
    """Axis limits both sides share, so the two sides can be compared by eye.

    Attributes:
        steps: the last step of the run (the time axes run from 0 to it).
        spend: the top of the spend axis.
    """

    steps: int
    spend: float

    @classmethod
    def of(cls, steps: int, *snapshots: data.Snapshot) -> Scale:
        """A scale that fits every snapshot's spend so far, rounded up to a readable value."""
        highest = max((float(np.max(s.series[data.SPEND].to_numpy())) for s in snapshots), default=0.0)
        return cls(steps=max(int(steps), 1), spend=_nice_ceiling(highest * 1.15))


def _box(height: float, top: float = TOP) -> tuple[float, float, float, float]:
    """Where a time view's axes sit in its own figure, ``height`` inches high, with ``top`` inches above them."""
    return (LEFT / WIDTH, BOTTOM / height, 1 - (LEFT + RIGHT) / WIDTH, 1 - (BOTTOM + top) / height)


def legend_above(ax: Axes, ncols: int) -> None:
    """The legend of ``ax`` in ``ncols`` columns, hung from the top left corner of its figure."""
    ax.legend(**LEGEND_ABOVE, ncols=ncols, bbox_transform=ax.figure.transFigure)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (1 for nothing spent)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for factor in (1.0, 2.0, 2.5, 5.0):
        if factor * power >= value:
            return float(factor * power)
    return float(10 * power)


class View:
    """One view: a title, a caption, and the artists it updates each step.

    Subclasses create their artists in ``__init__`` and set their data in ``update``. Everything else on
    the axes (ticks, labels, legends) is drawn once.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    caption: ClassVar[str]
    #: The height of the view's own figure on the page (inches; every view's is ``WIDTH`` wide).
    height: ClassVar[float] = 2.7
    #: Where the axes sit in that figure (left, bottom, width, height, as shares of the figure).
    box: ClassVar[tuple[float, float, float, float]] = _box(height)

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Draw the view's fixed parts on ``ax``.

        Args:
            ax: where to draw.
            scale: limits shared with the other side (the time axis runs to ``scale.steps``).
            first: the simulation's first snapshot (who the organizations are).
            colour: the side's colour.
        """
        self.ax = ax
        self.colour = colour

    @property
    def artists(self) -> list[Artist]:
        """The artists that change from step to step."""
        raise NotImplementedError

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show ``snapshot``; ``scale`` gives the limits shared with the other side."""
        raise NotImplementedError

    def limits(self) -> tuple[float, ...]:
        """The axes' limits now: when they change, the fixed parts must be drawn again."""
        return (*self.ax.get_xlim(), *self.ax.get_ylim())


def compact_number(value: float, position: int | None = None) -> str:
    """A tick label that stays short: 950, 1.5k, 20k, 1.2M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _time_axes(ax: Axes, steps: int, top: float, ylabel: str, share: bool = True) -> None:
    """Axes over the steps of the run, from 0 to ``top``: a share or level from 0 to 1 (``share``), or an amount."""
    ax.set_xlim(0, steps)
    ax.set_ylim(0, top)
    # Few ticks, as type large enough for a class leaves room for: whole steps, and a share's 0, 0.5 and 1 (as on
    # the headline's chart).
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    if share:
        ax.set_yticks([0.0, 0.5, 1.0])
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def _steps(snapshot: data.Snapshot) -> np.ndarray:
    return snapshot.series.index.to_numpy()


class OutcomeView(View):
    """Community outcome over time."""

    key = "outcome"
    title = "How well is the community doing?"
    caption = (
        "The share of what is achievable on the problem as it now is (1 = the best possible). "
        "Which side climbs and holds, and which keeps slipping back?"
    )

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Draw the fixed parts (see ``View``)."""
        super().__init__(ax, scale, first, colour)
        _time_axes(ax, scale.steps, 1.05, "community outcome")
        # A dot at the latest step, so step 0 (one value, no line yet) shows where the side starts, as the
        # headline's chart does.
        (self.line,) = ax.plot([], [], color=colour, linewidth=2.5, marker="o", markersize=8, markevery=[-1])
        self.line.set_clip_on(False)  # whole at step 0, on the axis

    @property
    def artists(self) -> list[Artist]:
        """The outcome line."""
        return [self.line]

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show the outcome so far."""
        self.line.set_data(_steps(snapshot), snapshot.series[data.OUTCOME].to_numpy())


class WasteView(View):
    """Duplication and gaps over time."""

    key = "waste"
    title = "Wasted and missing effort"
    caption = (
        "Duplication: share of effort spent on what another organization also does. "
        "Gaps: share of the problem nobody works on. Lower is better for both."
    )
    #: Below the legend's row, which sits over the axes: duplication can stay near 1 all run, under a legend inside.
    height = 2.7 + LEGEND_ROW
    box = _box(height, TOP + LEGEND_ROW)

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Draw the fixed parts and the legend (see ``View``)."""
        super().__init__(ax, scale, first, colour)
        _time_axes(ax, scale.steps, 1.0, "share")
        (self.duplication,) = ax.plot([], [], color=DUPLICATION_COLOUR, linewidth=2, label="duplication")
        (self.gaps,) = ax.plot([], [], color=GAPS_COLOUR, linewidth=2, linestyle="--", label="gaps")
        legend_above(ax, ncols=2)

    @property
    def artists(self) -> list[Artist]:
        """The two lines."""
        return [self.duplication, self.gaps]

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show duplication and gaps so far."""
        steps = _steps(snapshot)
        self.duplication.set_data(steps, snapshot.series[data.DUPLICATION].to_numpy())
        self.gaps.set_data(steps, snapshot.series[data.GAPS].to_numpy())


class SpendView(View):
    """Money spent in each step, line by line of the ledger, with money brought in from outside apart."""

    key = "spend"
    title = "Money spent each step"
    caption = (
        "Everything spent in each step, stacked: own programs, coordination (meetings, reporting) and the backbone "
        "with its data system, on the same scale on both sides. Dashed: money brought in from outside (grants, "
        "joint bids, engagement). What coordination costs comes out of programs; what is brought in adds to them."
    )
    #: Below the legend's two rows, which sit over the axes.
    height = 2.9
    box = _box(height, TOP + 2 * LEGEND_ROW)
    #: The ledger's lines, stacked from the bottom: output, label and colour (``None``: the side's colour).
    LINES: ClassVar[tuple[tuple[str, str, str | None], ...]] = (
        (data.PROGRAM_SPEND, "programs", None),
        (data.COORDINATION_COST, "coordination", COORDINATION_COLOUR),
        (data.BACKBONE_COST, "backbone", BACKBONE_COLOUR),
    )

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Draw the fixed parts and the legend (see ``View``)."""
        super().__init__(ax, scale, first, colour)
        _time_axes(ax, scale.steps, scale.spend, "spend per step", share=False)
        ax.yaxis.set_major_formatter(FuncFormatter(compact_number))
        self.bands = [
            ax.fill_between(
                [], [], [], color=shade or colour, alpha=0.45 if shade is None else 0.8, linewidth=0, label=label
            )
            for _, label, shade in self.LINES
        ]
        (self.income,) = ax.plot([], [], color=INCOME_COLOUR, linewidth=1.8, linestyle="--", label="brought in")
        legend_above(ax, ncols=2)

    @property
    def artists(self) -> list[Artist]:
        """The stacked bands and the income line."""
        return [*self.bands, self.income]

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show spend so far, line by line and stacked, and income, on the shared scale."""
        if self.ax.get_ylim()[1] != scale.spend:
            self.ax.set_ylim(0, scale.spend)
        steps = _steps(snapshot)[1:]  # step 0 is the starting state: nothing spent yet
        bottom = np.zeros(steps.size)
        for band, (name, _, _) in zip(self.bands, self.LINES, strict=True):
            top = bottom + snapshot.series[name].to_numpy()[1:]
            band.set_data(steps, bottom, top)
            bottom = top
        self.income.set_data(steps, snapshot.series[data.INCOME].to_numpy()[1:])


class ConditionsView(View):
    """The five conditions' levels over time."""

    key = "conditions"
    title = "The five conditions"
    #: Below the legend's three rows, which sit over the axes (levels fill the whole height, leaving no room inside).
    height = 3.2
    box = _box(height, TOP + 3 * LEGEND_ROW)
    caption = (
        "Level of each condition of collective impact (0 to 1), built over the run: the backbone's staff raise the "
        "other four, and they fade a little every step, the faster the weaker the backbone (not at all at full "
        "strength)."
    )

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Draw the fixed parts and the legend (see ``View``)."""
        super().__init__(ax, scale, first, colour)
        _time_axes(ax, scale.steps, 1.05, "level")
        styles = ("-", "--", "-.", ":", "-")
        # Equal levels draw one line over another; each condition's own marker, placed at steps of its own,
        # keeps all five in sight.
        every = max(scale.steps // 8, 1)
        self.lines = {
            condition: ax.plot(
                [],
                [],
                color=colour,
                linewidth=2,
                linestyle=style,
                marker=marker,
                markersize=6,
                markevery=(index * every // len(CONDITIONS), every),
                label=CONDITION_NAMES[condition],
            )[0]
            for index, (condition, style, colour, marker) in enumerate(
                zip(CONDITIONS, styles, CONDITION_COLOURS, CONDITION_MARKERS, strict=True)
            )
        }
        legend_above(ax, ncols=2)

    @property
    def artists(self) -> list[Artist]:
        """One line per condition."""
        return list(self.lines.values())

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show the levels so far."""
        steps = _steps(snapshot)
        for condition, line in self.lines.items():
            line.set_data(steps, snapshot.series[data.LEVELS[condition]].to_numpy())


def circle_layout(state: data.NetworkState) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the organizations: one circle per region, grouped by domain; and each region's centre.

    The layout depends only on who the organizations are (region and domain), so both sides of the page,
    built with one seed, place every organization alike.
    """
    positions = np.zeros((state.region.size, 2))
    centres = np.array([[3.0 * r, 0.0] for r in range(max(state.n_regions, 1))])
    for region in range(state.n_regions):
        members = np.flatnonzero(state.region == region)
        order = members[np.argsort(state.domain[members], kind="stable")]
        angles = np.pi / 2 - 2 * np.pi * np.arange(order.size) / max(order.size, 1)
        positions[order] = centres[region] + np.column_stack([np.cos(angles), np.sin(angles)])
    return positions, centres


class NetworkView(View):
    """The organizations' network: domains, budgets, trust, contacts, membership and the backbone."""

    key = "network"
    title = "Who works with whom"
    caption = (
        "Each circle is an organization, coloured by its domain and sized by its budget; lines are links, "
        "thicker where trust is higher and dark where something was shared over them this step. Ringed circles "
        "are coalition members; the black diamond is the backbone."
    )
    #: Above the legend of domains: up to two rows.
    box = (0.0, (2 * LEGEND_ROW + TOP) / View.height, 1.0, 1 - (2 * LEGEND_ROW + TOP) / View.height)

    def __init__(self, ax: Axes, scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Lay the organizations out from ``first`` (who they are) and draw the legend of domains."""
        super().__init__(ax, scale, first, colour)
        state = first.network
        self.positions, self.centres = circle_layout(state)
        self.reference_budget = float(np.median(state.budget)) if state.budget.size else 1.0
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_xlim(self.centres[:, 0].min() - 1.4, self.centres[:, 0].max() + 1.4)
        ax.set_ylim(-1.4, 1.4)
        self.links = LineCollection([], colors="#555555", zorder=1)
        self.spokes = LineCollection([], colors="black", linestyles=":", linewidths=0.8, zorder=1)
        ax.add_collection(self.links)
        ax.add_collection(self.spokes)
        colours = [DOMAIN_COLOURS[d % len(DOMAIN_COLOURS)] for d in state.domain]
        self.nodes = ax.scatter(
            self.positions[:, 0], self.positions[:, 1], s=100, c=colours, edgecolors="white", zorder=2
        )
        (self.backbones,) = ax.plot([], [], linestyle="none", marker="D", markersize=11, color="black", zorder=3)
        if 1 < state.n_domains <= len(DOMAIN_COLOURS):
            handles = [
                Line2D([], [], linestyle="none", marker="o", markersize=7, color=DOMAIN_COLOURS[d], label=f"domain {d}")
                for d in range(state.n_domains)
            ]
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, 0.0),
                ncols=state.n_domains if state.n_domains <= 3 else -(-state.n_domains // 2),  # one row or two
                frameon=False,
                handlelength=1.0,
                handletextpad=0.3,
                columnspacing=0.8,
            )

    @property
    def artists(self) -> list[Artist]:
        """Links, spokes to the backbone, organizations and backbones."""
        return [self.links, self.spokes, self.nodes, self.backbones]

    def update(self, snapshot: data.Snapshot, scale: Scale) -> None:
        """Show budgets, membership, trust, this step's contacts and backbones now."""
        state = snapshot.network
        order = np.argsort(state.contact, kind="stable")  # links with contact drawn last, over the quiet ones
        self.links.set_segments(self.positions[state.edges[order]])
        self.links.set_linewidth((0.3 + 3.5 * state.trust[order]).tolist())
        self.links.set_color(np.where(state.contact[order, None], CONTACT_RGBA, QUIET_RGBA))
        self.nodes.set_sizes(220 * np.clip(state.budget / self.reference_budget, 0.05, 6.0))
        self.nodes.set_edgecolor(["black" if member else "white" for member in state.member])
        self.nodes.set_linewidth([2.2 if member else 0.8 for member in state.member])
        regions = list(state.backbone_regions)
        spokes = [
            (self.centres[state.region[i]], self.positions[i])
            for i in np.flatnonzero(state.member)
            if state.region[i] in regions
        ]
        self.spokes.set_segments(spokes)
        self.backbones.set_data(self.centres[regions, 0], self.centres[regions, 1])

    def limits(self) -> tuple[float, ...]:
        """The network's limits never change."""
        return ()


#: The views of one side of the page, in the order shown.
VIEWS: tuple[type[View], ...] = (OutcomeView, NetworkView, WasteView, SpendView, ConditionsView)
