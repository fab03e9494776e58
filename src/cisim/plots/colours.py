"""The colour of each arm: one convention for every figure, so slides taken from any of them agree.

The convention holds for ``cisim run``, ``cisim compare``, ``cisim plot``, ``cisim demo`` and the classroom page.

Isolated impact is vermilion; the coalition's design (the ``scenario`` arm, the classroom page's coalition
side) and full collective impact (``collective``) are blue; any other arm takes the next unused colour of
the colour-blind-safe Okabe-Ito palette. This module imports nothing, so the classroom page can use it
without the slide styles of ``cisim.plots.figures``.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The Okabe-Ito palette: blue, orange, bluish green, vermilion, reddish purple, sky blue, yellow, black.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
ISOLATED_COLOUR = "#D55E00"  # vermilion
COALITION_COLOUR = "#0072B2"  # blue
#: Arms whose colour is fixed wherever they appear.
ARM_COLOURS = {"isolated": ISOLATED_COLOUR, "scenario": COALITION_COLOUR, "collective": COALITION_COLOUR}
#: Colours for other arms, in the order they are handed out (far from vermilion and blue first).
OTHER_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def arm_colours(arms: Iterable[str]) -> dict[str, str]:
    """The colour of each of ``arms`` in one figure: ``ARM_COLOURS`` where fixed, else ``OTHER_COLOURS`` in turn.

    No two arms of a figure share a colour (while there are colours left): if the figure shows both
    ``scenario`` and ``collective``, ``collective`` keeps blue and ``scenario`` takes the next free colour.
    """
    arms = list(dict.fromkeys(arms))
    # fixed colours first, so that an arm listed early never takes a colour a fixed arm needs
    order = [a for a in arms if a in ARM_COLOURS and a != "scenario"] + [
        a for a in arms if a not in ARM_COLOURS or a == "scenario"
    ]
    colours: dict[str, str] = {}
    for arm in order:
        fixed = ARM_COLOURS.get(arm)
        if fixed is not None and fixed not in colours.values():
            colours[arm] = fixed
            continue
        unused = [c for c in OTHER_COLOURS if c not in colours.values()]
        colours[arm] = unused[0] if unused else OTHER_COLOURS[len(colours) % len(OTHER_COLOURS)]
    return {arm: colours[arm] for arm in arms}
