"""Options and helpers shared by the commands that run scenarios (``run``, ``compare``, ``sweep``, ``scenarios``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cisim.scenarios.schema import BY_KEY

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SECTION.NAME=VALUE",
    help="Override a parameter after the scenario file, validated like the file (repeatable), "
    "e.g. --set conditions.backbone=0.5.",
)


class WholeNumber(click.IntRange):
    """A whole number in a range, as Click's ``IntRange``; a value that is not one is refused with what was expected.

    Click's own words ("'ten' is not a valid integer range", "0 is not in the range x>=1") name the value but not
    what would do.
    """

    name = "whole number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The value as an integer in the range, or a usage error naming the value and the range."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r}: expected {self.expected()}", param, ctx)

    def expected(self) -> str:
        """The range in words."""
        if self.min is not None and self.max is not None:
            return f"a whole number from {self.min} to {self.max}"
        if self.min is not None:
            return f"a whole number of at least {self.min}"
        if self.max is not None:
            return f"a whole number of at most {self.max}"
        return "a whole number"


#: Seeds are whole numbers of at least 0 (numpy's seed sequences take no negative numbers).
seed_type = WholeNumber(min=0)


class OutPath(click.Path):
    """``--out``: a path, never an empty one (``--out "$OUT"`` with ``OUT`` unset wrote into the working folder)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, or a usage error for an empty or blank one."""
        if isinstance(value, str) and not value.strip():
            self.fail(
                f"{value!r}: expected a path (an empty one, as from an unset shell variable, would write into the "
                "working folder); give a path, or leave --out out for the default",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


#: Steps per run, within the schema's range for run.steps.
steps_type = WholeNumber(min=int(BY_KEY["run.steps"].low or 1), max=int(BY_KEY["run.steps"].high or 1_000_000))

steps_option = click.option("--steps", type=steps_type, help="Steps per run [default: the scenario's run.steps].")

force_option = click.option(
    "--force", is_flag=True, help="Write into an --out that holds earlier results, replacing them."
)


def progress_bar(quiet: bool, **options: Any) -> Callable[[Any], Any] | None:
    """A function wrapping an iterable in a progress bar on standard error, or None when ``quiet``."""
    if quiet:
        return None

    def wrap(iterable: Any) -> Any:
        from tqdm import tqdm

        return tqdm(iterable, leave=False, dynamic_ncols=True, **options)

    return wrap


def check_workers(executor: str, workers: int | None) -> None:
    """Refuse ``--workers`` above 1 with ``--executor serial``, which runs in this process and would ignore it.

    Raises:
        UserError: naming both options, the values and what to give instead.
    """
    from cisim.cli.errors import UserError

    if executor == "serial" and workers is not None and workers > 1:
        raise UserError(
            f"--workers {workers}: worker processes are used only by --executor processes or dask (--executor is "
            "'serial', which runs everything in this process); expected --executor processes with it, or no --workers"
        )
