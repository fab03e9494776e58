"""The sweep's figures say how sure they are: the heatmap's intervals and pairs, the attribution's error bars
named, and the outcome's time axis no longer than the run."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import cisim.plots.results as figures

REPLICATES = 4


@pytest.fixture
def drawn(monkeypatch):
    """The figures a plotting function made, kept open to be inspected instead of saved."""
    kept = []

    def keep(fig, out, name):
        kept.append(fig)
        return []

    monkeypatch.setattr(figures, "_save", keep)
    yield kept
    for fig in kept:
        plt.close(fig)


def test_outcome_over_time_ends_its_axis_at_the_last_step_with_the_names_beside_it(drawn, tmp_path):
    steps = 20
    rows = [
        {"arm": arm, "replicate": r, "step": s, "community_outcome": 0.3 + shift * s / steps + 0.01 * r}
        for arm, shift in (("isolated", 0.1), ("backbone_only", 0.15), ("collective", 0.4))
        for r in range(REPLICATES)
        for s in range(steps + 1)
    ]
    figures.outcome_over_time(pd.DataFrame(rows), tmp_path)
    fig = drawn[0]
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, steps)
    fig.canvas.draw()
    right = ax.get_window_extent().x1
    names = {t.get_text(): t.get_window_extent() for t in ax.texts}
    assert set(names) == {"backbone_only", "collective"}
    assert all(box.x0 >= right and box.x1 <= fig.bbox.x1 for box in names.values())  # beside the axes, on the page
    assert np.isclose(ax.lines[1].get_xdata()[-1], steps)
