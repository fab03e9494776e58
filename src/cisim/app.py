"""The classroom page: isolated impact and a coalition design side by side (Solara, around a Mesa model).

Start it with ``cisim app [SCENARIO]``, or with ``solara run src/cisim/app.py`` (Mesa's convention: the page
lives in ``app.py`` beside ``model.py`` and ``agents.py``). Solara serves the component named ``Page``.
"""

from cisim.classroom.page import Page

__all__ = ["Page"]
