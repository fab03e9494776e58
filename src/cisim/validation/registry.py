"""Every reproduction cisim knows, by the name experiment files give in ``driver``.

The registry sits above the drivers and the runner, so neither has to import the other's package to find it.
"""

from __future__ import annotations

from collections.abc import Mapping

from cisim.validation.agenda import DRIVER as AGENDA
from cisim.validation.lazer_friedman import DRIVER as LAZER_FRIEDMAN
from cisim.validation.levinthal import DRIVER as LEVINTHAL
from cisim.validation.local_search import DRIVER as LOCAL_SEARCH
from cisim.validation.rivkin_siggelkow import DRIVER as RIVKIN_SIGGELKOW
from cisim.validation.runner import Driver


def drivers() -> Mapping[str, Driver]:
    """Every reproduction cisim knows, by the name experiment files give in ``driver``."""
    return {
        "levinthal": LEVINTHAL,
        "march": AGENDA,
        "lazer_friedman": LAZER_FRIEDMAN,
        "rivkin_siggelkow": RIVKIN_SIGGELKOW,
        "local_search": LOCAL_SEARCH,
    }
