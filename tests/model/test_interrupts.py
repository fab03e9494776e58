"""Ctrl-C while compiled code runs: the process stops with KeyboardInterrupt, never crashes.

numba returns a named tuple to Python by running Python code (it unpickles the class); a Ctrl-C pending at
that moment makes that code fail, numba calls the nothing it got, and the process dies of a segmentation
fault, losing the sweep's record of what finished (about a third of the sweeps stopped with Ctrl-C in
``tests/experiments/test_sweep.py`` before compiled code stopped returning named tuples). The whole behaviour is
tested there (slow); this checks the cause in every compiled function a run calls.
"""

from __future__ import annotations

import sys

import numba
from numba.core import types

from cisim.api import resolve_scenario
from cisim.experiments.runs import run_model


def _named_tuples(kind: types.Type) -> list[types.Type]:
    """Named tuple types in ``kind``, however deeply they sit inside tuples."""
    if isinstance(kind, types.NamedTuple | types.NamedUniTuple):
        return [kind]
    if isinstance(kind, types.BaseTuple):
        return [found for item in kind.types for found in _named_tuples(item)]
    return []


def test_no_compiled_function_a_run_calls_returns_a_named_tuple():
    for arm in ("collective", "isolated"):
        run_model(resolve_scenario("complex").with_arm(arm), 1, steps=5)
    compiled, offenders = 0, []
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("cisim."):
            continue
        for name, function in vars(module).items():
            if not isinstance(function, numba.core.registry.CPUDispatcher) or function.__module__ != module.__name__:
                continue
            for result in function.overloads.values():
                compiled += 1
                for kind in _named_tuples(result.signature.return_type):
                    offenders.append(f"{module.__name__}.{name} returns {kind.instance_class.__name__}")
    assert compiled >= 10, f"only {compiled} compiled functions were found: the search no longer sees them"
    assert offenders == []
