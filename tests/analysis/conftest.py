"""Tiny sweeps, run once per session with the real experiment machinery, for the analysis tests to read."""

import matplotlib.pyplot as plt
import pytest

import cisim.plots.results as figures
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep

FACTORIAL = """name = "mini_factorial"
description = "three conditions on or off"
scenarios = ["small"]
seed = 3
replicates = 4
[arms.design]
preset = "collective"
[factors]
"conditions.common_agenda" = [0.0, 1.0]
"conditions.shared_measurement" = [0.0, 1.0]
"conditions.backbone" = [0.0, 1.0]
"""

SALTELLI = """name = "mini_sensitivity"
description = "Sobol indices on a small problem"
scenarios = ["small"]
seed = 3
replicates = 1
[arms.design]
preset = "collective"
[sample]
method = "saltelli"
samples = 8
[sample.ranges]
"conditions.shared_measurement" = [0.0, 1.0]
"organizations.measurement_noise" = [0.01, 0.3]
"""

MORRIS = """name = "mini_screening"
description = "Morris screening on a small problem"
scenarios = ["small"]
seed = 5
replicates = 1
[arms.design]
preset = "collective"
[sample]
method = "morris"
samples = 4
[sample.ranges]
"conditions.communication" = [0.0, 1.0]
"organizations.measurement_noise" = [0.01, 0.3]
"""


@pytest.fixture(scope="session")
def sweeps(tmp_path_factory):
    """Results folders of four tiny sweeps: two arms over a 2 x 2 grid, a factorial, Saltelli and Morris designs."""
    from tests.experiments.conftest import EXPERIMENT, SMALL

    root = tmp_path_factory.mktemp("analysis")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    tiny = EXPERIMENT.replace('"problem.k" = [0, 4]', '"problem.k" = [0, 4]\n"organizations.n_organizations" = [4, 8]')
    folders = {}
    for name, text in (("tiny", tiny), ("factorial", FACTORIAL), ("saltelli", SALTELLI), ("morris", MORRIS)):
        path = root / "experiments" / f"{name}.toml"
        path.write_text(text)
        folders[name] = root / name
        run_sweep(load_experiment(path), folders[name], executor="serial")
    return folders


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
