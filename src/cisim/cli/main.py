"""The ``cisim`` command group: every command, loaded when used, and one way of reporting every mistake.

This module imports only click and the version, so ``cisim --version`` and ``cisim --help`` answer at
once; a command's module (and with it numpy, pandas, Mesa or matplotlib) is imported only when that
command runs or shows its own help.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from cisim.version import __version__


class Entry(NamedTuple):
    """Where a command lives and the one line ``cisim --help`` shows for it (its docstring's first sentence)."""

    module: str
    attribute: str
    summary: str


#: Every command, in the order ``cisim --help`` lists them. ``tests/cli`` checks each summary against the
#: command's own docstring, so the two cannot drift apart.
COMMANDS: dict[str, Entry] = {
    "run": Entry(
        "cisim.cli.runs",
        "run",
        "Run one scenario once and write its time series (CSV) and a figure of the outcome over time (PNG).",
    ),
    "compare": Entry(
        "cisim.cli.runs",
        "compare",
        "Compare a scenario's own coalition design with isolated impact on the same problems (paired replicates).",
    ),
    "scenarios": Entry("cisim.cli.scenarios", "scenarios", "List, inspect, validate and start scenario files."),
    "sweep": Entry(
        "cisim.cli.sweep",
        "sweep",
        "Run the design of an EXPERIMENT file (see experiments/): every scenario x design point x replicate x arm.",
    ),
    "analyze": Entry(
        "cisim.cli.analysis",
        "analyze",
        "Per arm and factor level: mean, median and 95 % CI of each metric; paired differences between arms.",
    ),
    "attribute": Entry(
        "cisim.cli.analysis",
        "attribute_command",
        "Shapley value of each factor's contribution, from a full two-level factorial.",
    ),
    "sensitivity": Entry(
        "cisim.cli.analysis",
        "sensitivity_command",
        "Global sensitivity to each sampled factor: Sobol indices, Morris screening, or RBD-FAST on any sample.",
    ),
    "plot": Entry("cisim.cli.analysis", "plot", "Figures as PNG and SVG, ready for slides."),
    "report": Entry(
        "cisim.cli.analysis", "report", "One self-contained HTML report of a sweep, to share or archive as it is."
    ),
    "validate": Entry(
        "cisim.cli.validate",
        "validate",
        "Reproduce published computational results (most through the model; standalone ones say so).",
    ),
    "app": Entry(
        "cisim.cli.classroom",
        "app",
        "Start the classroom page: isolated impact and a coalition design side by side, live.",
    ),
    "demo": Entry(
        "cisim.cli.classroom",
        "demo",
        "Slide-ready figures and an animation: one coalition design on a technical and a complex problem.",
    ),
}


class CisimGroup(click.Group):
    """A command group that imports a command only when it is used, and reports every mistake plainly.

    Every error leaves as one ``error: ...`` paragraph on standard error: a bad option or value (exit status
    2), a mistake in any file cisim reads (2), a file that cannot be written, a full disk included (2), and
    a command's own refusals (2). Warnings from cisim print as ``warning: ...`` lines.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Command names in the order of ``COMMANDS``."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module on first use."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            entry = COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(entry.module), entry.attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from ``COMMANDS`` without importing them."""
        width = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shorten(entry.summary, width)) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; in standalone mode, turn every error into a plain message and exit status."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        stdout = sys.stdout
        sys.stdout = PipeSafe(stdout) if stdout is not None else stdout
        try:
            with warnings.catch_warnings():
                # A command shows what cisim warns about (e.g. results with runs missing) and goes on.
                warnings.simplefilter("default", UserWarning)
                warnings.showwarning = _show_warning
                status = _run_plainly(
                    lambda: super(CisimGroup, self).main(args, prog_name, complete_var, False, **extra)
                )
        finally:
            sys.stdout = stdout
        sys.exit(status)


class PipeSafe:
    """Standard output that a closed pipe (``cisim compare | head -2``) silences instead of stopping the command.

    Once the reader has gone, what is printed goes nowhere and the command goes on to write its results whole;
    only the printing stops.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        """Write ``text``; after the reader has gone, drop it."""
        if not self.closed_pipe:
            try:
                return int(self.stream.write(text))
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        """Flush, unless the reader has gone."""
        if not self.closed_pipe:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        self.closed_pipe = True
        # What is still buffered goes to /dev/null, so the interpreter's own flush at exit finds no closed pipe.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _shorten(text: str, width: int) -> str:
    """``text`` cut at a word to fit ``width`` characters, as click shortens a command's help."""
    if len(text) <= width:
        return text
    return text[: max(width - 3, 1)].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


def _run_plainly(run: Any) -> int:
    """Run the command line; return its exit status, printing any error as one plain paragraph."""
    from cisim.cli.errors import UserError, printable
    from cisim.files import InputError

    previous = _stop_on_sigterm()
    try:
        result = run()
    except click.exceptions.NoArgsIsHelpError as error:  # `cisim` or `cisim scenarios` alone: its help, as written
        click.echo(error.format_message(), err=True)
        return 2
    except click.exceptions.UsageError as error:  # a bad option, value or argument: click's own check
        where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        click.echo(f"error: {printable(error.format_message())}{where}", err=True)
        return 2
    except UserError as error:
        error.show()
        return error.exit_code
    except click.ClickException as error:  # a refusal from click itself or a library: said the same way
        UserError(error.format_message()).show()
        return 2
    except InputError as error:  # a mistake in any file cisim reads (scenario, experiment, validation, edge list)
        UserError("\n".join(printable(problem) for problem in error.problems)).show()
        return 2
    except OSError as error:
        from cisim.cli.errors import file_error

        if error.errno is None:
            raise
        file_error(error).show()
        return 2
    except (click.Abort, KeyboardInterrupt):
        click.echo("\ninterrupted", err=True)
        return 130
    except SystemError as error:  # Ctrl-C inside compiled code arrives as a SystemError caused by it
        from cisim.experiments.worker import interrupted

        if not interrupted(error):
            raise
        click.echo("\ninterrupted", err=True)
        return 130
    finally:
        _restore_sigterm(previous)
    return result if isinstance(result, int) else 0


def _stop_on_sigterm() -> Any:
    """Let SIGTERM (``kill``, a batch system's stop) end a command as Ctrl-C does: cleanly, recording what finished."""
    try:
        return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (e.g. a notebook's worker thread): keep the default
        return signal.getsignal(signal.SIGTERM)


def _restore_sigterm(previous: Any) -> None:
    with contextlib.suppress(ValueError):  # not the main thread: nothing was changed
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    click.echo(f"warning: {message}", err=True)


@click.group(cls=CisimGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cisim")
def main() -> None:
    """Simulate isolated versus collective impact on a social problem.

    Organizations work on a problem alone (isolated impact) or under the five conditions of collective
    impact; cisim runs either and compares the two.

    \b
    Start with:
      cisim compare                        built-in complex problem, isolated vs collective
      cisim compare technical
      cisim run complex --arm isolated
      cisim scenarios list                 the scenario library
      cisim sweep isolated_vs_collective
      cisim report results/isolated_vs_collective
    """  # noqa: D301  (click's \b keeps the example lines as written)
