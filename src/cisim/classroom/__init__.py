"""The classroom: a live page of isolated impact beside a coalition design, and slide-ready demonstrations.

``cisim app`` serves the page (``cisim.app``, built in ``page``); ``cisim demo`` writes figures, an animation
and the numbers a lesson plan quotes (``demo``). Everything they read from a model goes through ``data``.
"""
