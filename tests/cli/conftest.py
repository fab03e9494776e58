"""The experiment fixture of tests/experiments, and the count of generated bad inputs at the end of a run."""

from tests.experiments.conftest import experiment_file

__all__ = ["experiment_file"]


def pytest_terminal_summary(terminalreporter):
    """Say how many generated bad inputs were handled (docs/reliability.md reports the slow lane's count)."""
    from tests.cli.test_bad_input import HANDLED

    if HANDLED:
        counts = ", ".join(f"{count:,} {kind}" for kind, count in sorted(HANDLED.items()))
        terminalreporter.write_line(f"bad inputs generated and handled: {sum(HANDLED.values()):,} ({counts})")
