"""The README's Python example runs as written, in a script, with worker processes."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def python_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)
    return next(block for block in blocks if "cisim.sweep(" in block)


def test_the_example_guards_its_processes():
    assert 'if __name__ == "__main__":' in python_example()


@pytest.mark.slow
def test_the_readme_python_example_runs_as_written(tmp_path):
    """In a folder of its own: the names it uses are cisim's own scenarios and experiments."""
    (tmp_path / "example.py").write_text(python_example())
    result = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "PairedDifference" in result.stdout or "difference" in result.stdout
    assert (tmp_path / "results" / "coalition_size" / "manifest.json").is_file()
