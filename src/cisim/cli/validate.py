"""``cisim validate``: reproduce published computational results and set cisim's figures beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from cisim.cli.errors import UserError, output_file, output_folder
from cisim.cli.options import OutPath, WholeNumber
from cisim.experiments.executors import default_workers, make_executor
from cisim.files import write_text
from cisim.validation import (
    DEFAULT_FOLDER,
    ValidationFileError,
    drivers,
    find_experiments,
    load_validation,
    run_experiment,
)
from cisim.validation.report import record, render, summary
from cisim.validation.runner import NOT_REPRODUCED, ExperimentOutcome, ValidationStopped


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--quick", is_flag=True, help="Run the reduced sizes ([quick] in each file): minutes, not hours.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one JSON object per experiment (measured, published, tolerance, verdict per pattern) to FILE.",
)
@click.option(
    "--out",
    type=OutPath(file_okay=False, path_type=Path),
    help="Folder for the figures (PNG) and the printed report [default: results/validation].",
)
@click.option(
    "--workers",
    type=WholeNumber(min=1),
    help="Worker processes the problems of each experiment are spread over; 1 runs them in this process "
    "[default: all cores].",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 if any pattern is not reproduced.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def validate(
    names: tuple[str, ...],
    quick: bool,
    json_path: Path | None,
    out: Path | None,
    workers: int | None,
    strict: bool,
    quiet: bool,
) -> None:
    """Reproduce published computational results (most through the model; standalone ones say so).

    Runs the validation experiments in experiments/validation/ (each NAME is a file there, without .toml,
    or a path; without NAME, all of them) and prints, per published pattern, the published figure beside
    cisim's with its 95 % interval, the tolerance and a verdict. Each experiment says which of the model's
    mechanisms its runs go through; a standalone reimplementation (march_1991, levinthal_1997) runs none of the
    model's mechanisms (levinthal_1997 reuses cisim's landscape) and says so. The default runs the published sizes;
    --quick runs reduced ones. Each experiment's problems (its landscapes, paired replicates, pairs of rates)
    are spread over worker processes, each seeded on its own: any number of workers gives the same results.

    \b
    Examples:
      cisim validate --quick                       every experiment, reduced sizes
      cisim validate levinthal_1997 march_1991     two experiments at the published sizes
      cisim validate --json validation.json        also write a machine-readable record
      cisim validate --workers 1                   in this process only
    """  # noqa: D301  (click's \b keeps the example lines as written)
    known = drivers()
    try:
        specs = []
        problems: list[str] = []
        for path in find_experiments(list(names), validation_folder()):
            if (other := _other_kind(path)) is not None:
                problems.append(other)
                continue
            try:
                specs.append(load_validation(path, known))
            except ValidationFileError as error:
                problems += error.problems
        if problems:
            raise ValidationFileError(problems)
    except ValidationFileError as error:
        raise UserError("\n".join(error.problems)) from None  # UserError.show puts "error: " before each line
    if json_path is not None:
        output_file(json_path, "--json", force=False)
        _check_writable(json_path)
    folder = output_folder(out or Path("results") / "validation", given=out is not None)
    bar = None if quiet else _progress_bar
    workers = workers or default_workers()
    outcomes: list[ExperimentOutcome] = []
    with make_executor("processes" if workers > 1 else "serial", workers) as pool:
        for spec in specs:
            try:
                outcome = run_experiment(spec, known[spec.driver], quick, bar, pool, workers)
            except ValidationStopped as error:
                raise UserError(f"{error}\n{_kept(outcomes, json_path, folder)}") from None
            outcomes.append(outcome)
            figures = known[spec.driver].figures(outcome, folder)
            click.echo(render(outcome) + "\n  figures: " + ", ".join(str(f) for f in figures) + "\n")
            _write(outcomes, json_path, folder)  # after every experiment, so a later failure loses nothing
    click.echo(summary(outcomes))
    if json_path is not None:
        click.echo(f"wrote {json_path}")
    if strict and any(p.verdict == NOT_REPRODUCED for o in outcomes for p in o.patterns):
        raise SystemExit(1)


def _kept(outcomes: list[ExperimentOutcome], json_path: Path | None, folder: Path) -> str:
    """What of the command's work is safe, for the message of an experiment that stopped."""
    if not outcomes:
        return "no experiment had finished before it; nothing was written"
    names = ", ".join(o.spec.name for o in outcomes)
    where = f"{folder / 'report.txt'}" + (f" and {json_path}" if json_path is not None else "")
    return f"the experiments finished before it ({names}) are written to {where}"


def _progress_bar(total: int, label: str) -> Any:
    return tqdm(total=total, desc=label, unit="run", leave=False, dynamic_ncols=True)


def _check_writable(path: Path) -> None:
    """Fail before any work if the JSON file's folder cannot be written (click refuses a folder as the file)."""
    try:
        output_folder(path.parent)
    except UserError:
        raise UserError(
            f"--json {str(path)!r}: cannot write to the folder {str(path.parent)!r}; expected a file in a folder "
            "you can write to"
        ) from None


def _write(outcomes: list[ExperimentOutcome], json_path: Path | None, folder: Path) -> None:
    write_text(folder / "report.txt", "\n\n".join(render(o) for o in outcomes) + "\n\n" + summary(outcomes) + "\n")
    if json_path is not None:
        write_text(json_path, json.dumps([record(o) for o in outcomes], indent=2) + "\n")


def validation_folder() -> Path:
    """``experiments/validation`` here if it holds experiments, else the one cisim ships (found from any folder)."""
    from cisim.shipped import shipped_folder

    if DEFAULT_FOLDER.is_dir() and any(DEFAULT_FOLDER.glob("*.toml")):
        return DEFAULT_FOLDER
    return shipped_folder("experiments/validation") or DEFAULT_FOLDER


def _other_kind(path: Path) -> str | None:
    """What to say when ``path`` is a scenario or experiment file rather than a validation experiment, or None."""
    from cisim.scenarios.errors import ScenarioError
    from cisim.scenarios.scenario import is_scenario_file, read_toml

    if is_scenario_file(path):
        return (
            f"{path}: is a scenario file, not a validation experiment; expected one of experiments/validation/. "
            f"To compare its coalition design with isolated impact, run: cisim compare {path}"
        )
    try:
        data, _ = read_toml(path, "validation file")
    except ScenarioError:  # load_validation names what is wrong with the file
        return None
    if "scenarios" in data and "driver" not in data:
        return (
            f"{path}: is an experiment file, not a validation experiment; expected one of experiments/validation/. "
            f"To run its sweep, run: cisim sweep {path}"
        )
    return None
