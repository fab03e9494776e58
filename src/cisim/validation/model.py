"""The model as the validation drivers build it: from an experiment's dotted parameter names, for one seed."""

from __future__ import annotations

from typing import Any

#: Steps between collections of per-step outputs in the drivers' models: the drivers read the model's state
#: (solutions, outcomes) themselves and never its per-step outputs, so these are collected only when the model
#: is built and at its last step. Collecting does not change a run, so the records are the same.
COLLECT_EVERY = 1_000_000


def build_model(values: dict[str, Any], seed: int) -> Any:
    """``CollectiveImpactModel`` with ``values`` (dotted names) as the flat keyword parameters it takes.

    Unless the experiment sets ``run.collect_every``, per-step outputs are not collected as the model steps
    (``COLLECT_EVERY``): collecting them is a fifth of a step of 100 organizations, and no driver reads them.
    """
    from cisim.model import CollectiveImpactModel  # imported here: the validation package loads without the model

    flat = {key.split(".", 1)[1]: value for key, value in values.items()}
    flat.setdefault("collect_every", COLLECT_EVERY)
    return CollectiveImpactModel(rng=seed, **flat)
