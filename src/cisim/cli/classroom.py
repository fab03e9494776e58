"""``cisim app`` and ``cisim demo``: the live classroom page, and slide-ready demonstrations.

Heavy libraries (solara, matplotlib) are imported inside the commands, so ``cisim --help`` stays quick.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import click

from cisim.cli.errors import UserError, output_file, output_folder
from cisim.cli.options import OutPath, WholeNumber, steps_type

#: Where Solara serves the page unless told otherwise (Solara's own default port).
DEFAULT_PORT = 8765


def free_port(host: str, port: int) -> int:
    """Check that the page can listen on ``host``:``port`` and return the port (a free one for 0).

    Raises:
        UserError: naming the option, the value and what was expected, when the port is taken or the address
            cannot be listened on.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError):
        raise UserError(
            f"--host {host!r}: no such address; expected an address of this computer, such as 127.0.0.1 "
            "(this computer only) or 0.0.0.0 (every network it is on)"
        ) from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The server sets SO_REUSEADDR too, so a port left in TIME_WAIT by an earlier page counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UserError(
                    f"--port {port}: port {port} on {host} is already in use (is another cisim app running?); "
                    f"expected a free port: try --port {port + 1}, or --port 0 for any free one"
                ) from None
            raise UserError(
                f"--host {host!r}: cannot listen there ({error.strerror}); expected an address of this computer, "
                "such as 127.0.0.1 or 0.0.0.0"
            ) from None
        return int(probe.getsockname()[1])


def scenario_file(name: str | None) -> str:
    """The absolute path of the scenario the page opens with ('' for the built-in defaults), checked now."""
    from cisim.api import resolve_scenario
    from cisim.scenarios.scenario import BUILTIN, ScenarioError

    try:
        scenario = resolve_scenario(name)
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None
    return "" if scenario.source == BUILTIN else str(Path(scenario.source).resolve())


@click.command()
@click.argument("scenario", required=False)
@click.option(
    "--port",
    type=WholeNumber(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to serve the page on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: 127.0.0.1 for this computer only, 0.0.0.0 to let others on the network open it.",
)
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in the default web browser.")
def app(scenario: str | None, port: int, host: str, open_browser: bool) -> None:
    """Start the classroom page: isolated impact and a coalition design side by side, live.

    Both simulations face the same problem and seed; sliders set the problem's complexity, each of the five
    conditions, the coordination cost and the noise in organizations' data, and a choice whether condition
    levels are held fixed or built over the run by a backbone; play, step and reset run them together.
    SCENARIO is a scenario file (TOML) or the name of one in scenarios/; without it the page opens on the
    built-in defaults, and a picker offers every scenario in scenarios/. Ctrl-C stops the page.
    """
    path = scenario_file(scenario)
    port = free_port(host, port)
    page = Path(__file__).resolve().parents[1] / "app.py"
    # Solara reads its settings from the environment when first imported: no usage reports sent anywhere.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # Nor a "runs on Solara" badge over the page's captions in front of a class.
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    os.environ["CISIM_APP_SCENARIO"] = path
    from cisim.classroom.page import library  # imports Solara: only once its settings above are in place
    from cisim.scenarios.scenario import default_scenario

    for line in library(default_scenario())[1]:  # the page says so too, under its picker
        click.echo(f"cisim app: warning: left out of the page's scenario picker: {line}", err=True)
    address = f"http://{'localhost' if host in ('127.0.0.1', '::1', 'localhost') else host}:{port}"
    click.echo(f"cisim app: the classroom page is at {address}  (open it in a web browser; Ctrl-C stops it)")
    if host in ("0.0.0.0", "::"):
        click.echo(f"cisim app: other computers on your network can open http://{socket.gethostname()}:{port}")
    from solara.__main__ import run as solara_run

    arguments = [str(page), "--host", host, "--port", str(port), "--production", "--no-check-version"]
    arguments.append("--open" if open_browser else "--no-open")
    solara_run.main(args=arguments, prog_name="solara run", standalone_mode=False)


@click.command()
@click.option(
    "--out",
    type=OutPath(file_okay=False, path_type=Path),
    default=Path("results") / "demo",
    show_default=True,
    help="Folder for the figures, the animation and their README.",
)
@click.option(
    "--replicates",
    default=20,
    show_default=True,
    type=WholeNumber(min=2),
    help="Paired replicates per scenario and design.",
)
@click.option("--seed", default=0, show_default=True, type=WholeNumber(min=0), help="Seed of the demonstration.")
@click.option("--steps", type=steps_type, help="Steps per run [default: the scenarios' run.steps].")
@click.option(
    "--lesson",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also rewrite the measured numbers in this lesson plan (docs/teaching.md), between its markers.",
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo(out: Path, replicates: int, seed: int, steps: int | None, lesson: Path | None, quiet: bool) -> None:
    """Slide-ready figures and an animation: one coalition design on a technical and a complex problem.

    Runs the shipped technical and complex scenarios, isolated and under full collective impact (and on the
    complex problem without a backbone, with condition levels fixed and built), with paired replicates, and
    writes: a two-panel figure of the outcome over time with 95 % bands, a bar chart of outcome
    gained per unit spent, an animation of the two simulations side by side (GIF, and MP4 where ffmpeg is
    installed), the measured numbers (CSV) and a README naming each file.
    """
    from cisim.classroom.demo import DemoError, run_demo

    given = click.get_current_context().get_parameter_source("out") is not click.core.ParameterSource.DEFAULT
    output_folder(out, given=given)
    if lesson is not None and not lesson.is_file():
        raise UserError(f"--lesson {str(lesson)!r}: no such file; expected the lesson plan, e.g. docs/teaching.md")
    if lesson is not None:
        output_file(lesson, "--lesson", force=True)  # rewritten in place later: a regular file, not a link
    before = lesson.read_text(encoding="utf-8") if lesson is not None else None
    try:
        written = run_demo(out, replicates=replicates, seed=seed, steps=steps, lesson=lesson, progress=not quiet)
    except DemoError as error:
        raise UserError(str(error)) from None
    click.echo(f"cisim demo: wrote {len(written)} files to {out}:")
    for path in written:
        click.echo(f"  {path.name}")
    if not any(path.suffix == ".mp4" for path in written):
        click.echo(
            "  (no side_by_side.mp4: ffmpeg is not installed; the GIF plays in slides and browsers, and installing "
            "ffmpeg, e.g. apt install ffmpeg or conda install ffmpeg, adds the video next time)"
        )
    if lesson is not None:
        changed = lesson.read_text(encoding="utf-8") != before
        click.echo(
            f"{'rewrote' if changed else 'checked'} the measured numbers in {lesson}"
            + ("" if changed else ": unchanged")
        )
