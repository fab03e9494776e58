"""Data flows one way: results -> analysis -> figures -> report and command line; nothing below imports above."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "cisim"

#: What each part may not import: everything that stands above it.
ABOVE = {
    "analysis": ("cisim.plots", "cisim.report", "cisim.cli"),
    "plots": ("cisim.report", "cisim.cli"),
    "report": ("cisim.cli",),
}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("part", ABOVE)
def test_no_part_imports_what_stands_above_it(part):
    offending = {
        str(path.relative_to(PACKAGE)): sorted(m for m in imports(path) if m.startswith(ABOVE[part]))
        for path in sorted((PACKAGE / part).rglob("*.py"))
    }
    assert {file: found for file, found in offending.items() if found} == {}


def test_only_the_command_line_uses_the_report():
    users = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.parts[len(PACKAGE.parts)] not in ("report", "cli")
        and any(m.startswith("cisim.report") for m in imports(path))
    ]
    assert users == []


def test_analysis_and_plots_define_no_metric_names_or_hand_written_intervals():
    """Metric names come from cisim.model.outputs and every interval from cisim.analysis.statistics."""
    for part in ("analysis", "plots", "report"):
        for path in (PACKAGE / part).rglob("*.py"):
            text = path.read_text()
            assert "t.ppf" not in text and "np.percentile" not in text, path
            assert "LABELS = " not in text, path
