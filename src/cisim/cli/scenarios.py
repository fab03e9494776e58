"""``cisim scenarios``: list, show, validate and start scenario files, and write the scenario reference."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from cisim.cli.errors import UserError, output_file, printable
from cisim.cli.options import OutPath, set_option
from cisim.files import NotOwned, NotRegularFile
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.library import (
    DEFAULT_FOLDER,
    NAME_RULE,
    entries,
    find_scenario,
    is_name,
    reference,
    starting_file,
)
from cisim.scenarios.scenario import load_scenario
from cisim.scenarios.schema import SECTIONS
from cisim.shipped import is_shipped

folder_option = click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="Folder of the scenario library.",
)


@click.group()
def scenarios() -> None:
    """List, inspect, validate and start scenario files."""


@scenarios.command("list")
@folder_option
def list_scenarios(folder: Path) -> None:
    """Each scenario in the library with its one-line description (files that are not valid say why)."""
    if folder != DEFAULT_FOLDER and not folder.is_dir():  # without --folder: cisim's own library, from anywhere
        raise UserError(f"--folder {str(folder)!r}: no such folder; expected a scenario library (a folder of *.toml)")
    found = entries(folder)
    if not found:
        raise UserError(f"--folder {str(folder)!r}: no scenario files (*.toml) there; expected a scenario library")
    width = max(len(entry.path.stem) for entry in found)
    for entry in found:
        try:
            description = load_scenario(entry.path).description
        except ScenarioError as error:
            description = f"INVALID: {printable(error.problems[0])}"
        click.echo(f"{entry.path.stem:<{width}}  {description}")
    shipped = [entry for entry in found if is_shipped(entry.path, "scenarios")]
    if shipped and len(shipped) < len(found):  # a library of the user's own beside cisim's
        yours = ", ".join(entry.path.stem for entry in found if entry not in shipped)
        click.echo(f"\nfrom {folder}: {yours}; the rest from cisim's own library ({shipped[0].path.parent})")


@scenarios.command()
@click.argument("scenario")
@set_option
@folder_option
def show(scenario: str, overrides: tuple[str, ...], folder: Path) -> None:
    """Every resolved parameter of SCENARIO and where its value came from.

    SCENARIO is a name in the library or a path. Origins: default, file, parent (a scenario it extends)
    or override (--set).
    """
    resolved = load_scenario(find_scenario(scenario, folder), overrides)
    click.echo(f"{resolved.name}: {resolved.description}")
    click.echo(f"file: {resolved.source}")
    if resolved.parents:
        click.echo("extends: " + " <- ".join(reversed(resolved.parents)))
    for section in SECTIONS:
        click.echo(f"\n[{section}]")
        for key, value in resolved.values.items():
            if key.startswith(section + "."):
                shown = str(value).lower() if isinstance(value, bool) else repr(value)
                click.echo(f"  {key.split('.', 1)[1]:<28} {shown:<24} {resolved.origins[key]}")


@scenarios.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files; list every problem. Exit status 0 when all are valid, 2 otherwise."""
    failed = 0
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as error:
            failed += 1
            for problem in error.problems:
                click.echo(f"error: {printable(problem)}", err=True)
        else:
            click.echo(f"ok: {path}")
    if failed:
        click.echo(f"error: {failed} of {len(paths)} scenario files have problems", err=True)
        raise SystemExit(2)


@scenarios.command()
@click.argument("name")
@click.option(
    "--from",
    "parent",
    default="complex",
    show_default=True,
    help="Scenario the new one extends: a name in --folder or cisim's own library, or a path.",
)
@folder_option
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(name: str, parent: str, folder: Path, force: bool) -> None:
    """Start a scenario NAME (written to FOLDER/NAME.toml) that extends another.

    Writes a commented file listing every parameter at its parent's value, to uncomment and change.
    """
    from cisim.files import write_text

    if not is_name(name):
        raise UserError(
            f"scenario name {name!r}: expected a name of {NAME_RULE}; the file is written to "
            f"{folder}/NAME.toml (choose another folder with --folder)"
        )
    parent_path = find_scenario(parent, folder, shipped=True)  # as without --folder: the folder, then cisim's own
    resolved = load_scenario(parent_path)
    target = folder / f"{name}.toml"
    if target.exists() and not force:
        raise UserError(f"scenario name {name!r}: {target} exists; expected a new name (or --force to replace it)")
    try:
        relative = parent_path.resolve().relative_to(target.parent.resolve())
        parent_ref = relative.stem if relative.parent == Path(".") else str(relative)
    except ValueError:
        # One of cisim's own scenarios is extended by name (it is found wherever cisim runs); others by path.
        parent_ref = parent_path.stem if is_shipped(parent_path, "scenarios") else str(parent_path.resolve())
    if parent_ref == name:  # a name is looked up in the scenario's own folder first: the file would extend itself
        raise UserError(
            f"scenario name {name!r}: {target} would extend {parent_ref!r}, and a name is looked up in {folder} "
            f"first, so it would extend itself; expected a name other than the scenario it extends (e.g. my_{name})"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_text(target, starting_file(name, resolved, parent_ref))
    except (NotRegularFile, NotOwned):  # the target itself: said by the command line's file messages
        raise
    except OSError as error:  # named with the file meant, never the writer's temporary file
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):  # a full disk, a size limit: said as such
            raise OSError(error.errno, error.strerror, str(target)) from None
        raise UserError(
            f"--folder {str(folder)!r}: cannot write the new scenario {target}: the folder is not writable "
            f"({error.strerror or error}); expected a folder you can write to (choose another --folder)"
        ) from None
    click.echo(f"wrote {target} (extends {parent_ref}); validate it with: cisim scenarios validate {target}")


@scenarios.command("reference")
@folder_option
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), help="Write to this file [default: print].")
def reference_command(folder: Path, out: Path | None) -> None:
    """The scenario reference (docs/scenarios.md): every parameter from the schema, and each shipped scenario."""
    from cisim.files import write_text

    if out is not None:
        output_file(out, "--out", force=False)
    text = reference(folder)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_text(out, text)
        click.echo(f"wrote {out}")
