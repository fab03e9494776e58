"""Fast redraws of one view for the page: the fixed parts are drawn once, only the data each step.

Drawing a small matplotlib figure from scratch takes over 10 ms, mostly for its tick labels; a page of ten
views redrawn at every step would then feel sluggish. A ``LiveFigure`` keeps the rendered axes, ticks and
legends as a background and, each step, pastes it back and draws only the view's data artists on it
(matplotlib's blitting), then encodes the picture as a PNG with light compression.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from cisim.classroom import data
from cisim.classroom.views import PAGE_STYLE, WIDTH, Scale, View
from cisim.plots.colours import COALITION_COLOUR, ISOLATED_COLOUR

#: Resolution of the views on the page: each is ``WIDTH`` inches wide (480 pixels) and its own ``height`` high.
DPI = 100


class LiveFigure:
    """One view on its own figure, redrawn quickly to PNG bytes for each step.

    Args:
        view: the view's class.
        scale: limits shared with the other side.
        first: the simulation's first snapshot.
        colour: the side's colour.
    """

    def __init__(self, view: type[View], scale: Scale, first: data.Snapshot, colour: str = COALITION_COLOUR) -> None:
        """Create the figure and the view's fixed parts."""
        self.figure = Figure(figsize=(WIDTH, view.height), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        with rc_context(PAGE_STYLE):
            # A fixed place for the axes (``View.box``): layout engines cost time at every draw.
            self.view = view(self.figure.add_axes(view.box), scale, first, colour)
        for artist in self.view.artists:
            artist.set_animated(True)
        self._background = None
        self._limits: tuple[float, ...] | None = None

    def png(self, snapshot: data.Snapshot, scale: Scale) -> bytes:
        """The view of ``snapshot`` as PNG bytes."""
        self.view.update(snapshot, scale)
        limits = self.view.limits()
        if self._background is None or limits != self._limits:
            # Animated artists are left out of a full draw, so this renders the fixed parts alone.
            with rc_context(PAGE_STYLE):
                self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        else:
            self.canvas.restore_region(self._background)
        for artist in self.view.artists:
            self.figure.draw_artist(artist)
        return encode_png(self.canvas)


#: The headline chart: wide and short, with type a class can read from the back of the room (``HEADLINE_STYLE``).
HEADLINE_SIZE = (10.0, 2.9)
#: Inches added under a downloaded headline chart for its caption, and the caption's characters per line.
CAPTION_HEIGHT = 0.75
CAPTION_WIDTH = 135
HEADLINE_STYLE: dict[Any, Any] = {
    "font.size": 18,
    "axes.labelsize": 18,
    "xtick.labelsize": 17,
    "ytick.labelsize": 17,
    "legend.fontsize": 18,
}
GAP_COLOUR = "#999999"


class HeadlineFigure:
    """Both sides' community outcome on one chart, with the gap between them shaded, redrawn quickly to PNG.

    Args:
        steps: the last step of the run (the time axis runs from 0 to it).
    """

    def __init__(self, steps: int, caption: str = "") -> None:
        """Create the figure and its fixed parts: axes, labels and legend, and ``caption`` under them if given.

        A downloaded chart carries a caption (the designs, seed and step it shows), since a slide made from it
        has no page around it; the page's own chart has its text on the page.
        """
        width, height = HEADLINE_SIZE
        extra = CAPTION_HEIGHT if caption else 0.0
        self.figure = Figure(figsize=(width, height + extra), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        with rc_context(HEADLINE_STYLE):
            ax = self.figure.add_axes(
                (0.085, (0.25 * height + extra) / (height + extra), 0.88, 0.6 * height / (height + extra))
            )
            if caption:
                self.figure.text(0.01, 0.04, textwrap.fill(caption, CAPTION_WIDTH), fontsize=9, va="bottom")
            ax.set_xlim(0, max(int(steps), 1))
            ax.set_ylim(0, 1.05)
            ax.set_xlabel("step")
            ax.set_ylabel("outcome")
            ax.grid(alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            self.gap = ax.fill_between([], [], [], color=GAP_COLOUR, alpha=0.3, linewidth=0, label="gap")
            # a dot at each line's latest step, so step 0 (one value, no line yet) shows where both sides start;
            # isolated's dot is larger, a ring around the coalition's where they coincide (as they do at step 0)
            (self.isolated,) = ax.plot(
                [], [], color=ISOLATED_COLOUR, linewidth=3.5, marker="o", markersize=13, label="isolated impact"
            )
            (self.coalition,) = ax.plot(
                [], [], color=COALITION_COLOUR, linewidth=3.5, marker="o", markersize=8, label="coalition design"
            )
            for line in (self.isolated, self.coalition):
                line.set_markevery([-1])
                line.set_clip_on(False)  # whole at step 0, on the axis
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=3, borderaxespad=0.1)
        self.artists = [self.gap, self.isolated, self.coalition]
        for artist in self.artists:
            artist.set_animated(True)
        self._background = None

    def update(self, isolated: data.Snapshot, coalition: data.Snapshot) -> None:
        """Show both sides' outcome so far."""
        steps = isolated.series.index.to_numpy()
        left = isolated.series[data.OUTCOME].to_numpy()
        right = coalition.series[data.OUTCOME].to_numpy()
        shared = min(left.size, right.size)
        self.isolated.set_data(steps[: left.size], left)
        self.coalition.set_data(coalition.series.index.to_numpy(), right)
        self.gap.set_data(steps[:shared], left[:shared], right[:shared])

    def png(self, isolated: data.Snapshot, coalition: data.Snapshot) -> bytes:
        """The chart of both snapshots as PNG bytes."""
        self.update(isolated, coalition)
        if self._background is None:
            with rc_context(HEADLINE_STYLE):
                self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self.artists:
            self.figure.draw_artist(artist)
        return encode_png(self.canvas)


def encode_png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as PNG bytes, without the alpha channel (the figures are opaque) and lightly compressed."""
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    encoded = io.BytesIO()
    image.save(encoded, format="png", compress_level=1)
    return encoded.getvalue()
