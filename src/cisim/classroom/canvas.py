"""Fast redraws of one view for the page: the fixed parts are drawn once, only the data each step.

Drawing a small matplotlib figure from scratch takes over 10 ms, mostly for its tick labels; a page of ten
views redrawn at every step would then feel sluggish. A ``LiveFigure`` keeps the rendered axes, ticks and
legends as a background and, each step, pastes it back and draws only the view's data artists on it
(matplotlib's blitting), then encodes the picture as a PNG with light compression.
"""

from __future__ import annotations

import io

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from cisim.classroom import data
from cisim.classroom.views import COALITION_COLOUR, PAGE_STYLE, Scale, View

#: Size of one view on the page: inches at ``DPI`` dots per inch (480 x 230 pixels).
SIZE, DPI = (4.8, 2.3), 100


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
        self.figure = Figure(figsize=SIZE, dpi=DPI)
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
        width, height = self.canvas.get_width_height(physical=True)
        # The figure is opaque, so the alpha channel is dropped: a quarter less to compress and to send.
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        encoded = io.BytesIO()
        image.save(encoded, format="png", compress_level=1)
        return encoded.getvalue()
