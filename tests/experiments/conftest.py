"""A small experiment written into a temporary folder, with its own scenario library beside it."""

from pathlib import Path

import pytest

SMALL = """name = "small"
description = "a small complex problem for fast sweeps"
[problem]
n_elements = 10
k = 4
[organizations]
n_organizations = 6
[run]
steps = 12
"""

EXPERIMENT = """name = "tiny"
description = "two problems, two arms, three replicates"
scenarios = ["small"]
seed = 7
replicates = 3

[arms.isolated]
preset = "isolated"

[arms.collective]
preset = "collective"

[factors]
"problem.k" = [0, 4]

[outputs]
series = true
agents = true
block_size = 4
"""


@pytest.fixture
def experiment_file(tmp_path) -> Path:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "small.toml").write_text(SMALL)
    (tmp_path / "experiments").mkdir()
    path = tmp_path / "experiments" / "tiny.toml"
    path.write_text(EXPERIMENT)
    return path
