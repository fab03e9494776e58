"""The scenario library and experiment files that come with cisim, found from whatever folder cisim runs in.

Commands look a name up in the working folder first (``scenarios/``, ``experiments/``: a user's own files,
which shadow cisim's of the same name), then in the folders cisim ships: the source checkout's own (the
editable install ``scripts/setup.sh`` makes), or in an installed wheel the copies under
``<prefix>/share/cisim/`` (``[tool.setuptools.data-files]`` in ``pyproject.toml``).
"""

from __future__ import annotations

import sysconfig
from functools import cache
from pathlib import Path

#: The folders cisim ships, by their name in the source checkout.
FOLDERS = ("scenarios", "experiments", "experiments/validation")


@cache
def shipped_folder(name: str) -> Path | None:
    """Where cisim's own ``name`` folder (one of ``FOLDERS``) is, or ``None`` if this installation has none."""
    if name not in FOLDERS:
        raise ValueError(f"cisim ships no folder {name!r}; expected one of {', '.join(FOLDERS)}")
    checkout = Path(__file__).resolve().parents[2] / name  # src/cisim/shipped.py -> the repository's root
    installed = Path(sysconfig.get_path("data")) / "share" / "cisim" / name
    for folder in (checkout, installed):
        if folder.is_dir() and any(folder.glob("*.toml")):
            return folder
    return None


def is_shipped(path: Path, name: str) -> bool:
    """Whether ``path`` is a file in cisim's own ``name`` folder."""
    folder = shipped_folder(name)
    return folder is not None and path.resolve().parent == folder


def look_in(local: Path, name: str) -> list[Path]:
    """Where a name is looked up: ``local`` (a user's own folder), then cisim's own ``name`` folder if it differs."""
    shipped = shipped_folder(name)
    if shipped is None or (local.is_dir() and local.resolve() == shipped):
        return [local]
    return [local, shipped]
