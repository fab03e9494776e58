"""Write src/cisim/model/ziggurat_tables.py from the tables compiled into the installed numpy.

``Generator.standard_normal`` (numpy's ``random_standard_normal``, a ziggurat) reads three tables of 256 entries:
``ki_double`` (uint64), ``wi_double`` and ``fi_double`` (double). They are local symbols of numpy's compiled
``numpy/random/_generator*.so``; this script finds them with binutils' ``nm`` and ``readelf`` and copies their
bytes, so the module holds exactly what numpy computes with (no formula recomputes them). The two constants
``ziggurat_nor_r`` and ``ziggurat_nor_inv_r`` are folded into numpy's compiled code (no symbols): they are
written here as numpy's ``ziggurat_constants.h`` defines them.

Run from the repository root (Linux, with binutils):

    .venv/bin/python scripts/ziggurat_tables.py            # writes the module
    .venv/bin/python scripts/ziggurat_tables.py --check    # says whether the module matches this numpy
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.random

TARGET = Path(__file__).resolve().parents[1] / "src" / "cisim" / "model" / "ziggurat_tables.py"

#: numpy's ``ziggurat_constants.h``: ``static const double ziggurat_nor_r = 3.6541528853610087963519472518;`` and
#: ``ziggurat_nor_inv_r = 0.27366123732975827203338247596;`` (the doubles nearest those decimals).
NOR_R = 3.6541528853610087963519472518
NOR_INV_R = 0.27366123732975827203338247596


def compiled_generator() -> Path:
    """The compiled ``_generator`` extension module of the installed numpy."""
    found = sorted(Path(numpy.random.__file__).parent.glob("_generator*.so"))
    if not found:
        sys.exit(f"no _generator*.so next to {numpy.random.__file__}: this script reads Linux builds only")
    return found[0]


def symbol_bytes(library: Path, name: str) -> bytes:
    """The bytes of a data symbol in a shared library: its address from ``nm``, its file offset via ``readelf``."""
    symbols = subprocess.run(["nm", "-S", str(library)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in symbols.splitlines() if line.endswith(f" {name}")]
    if len(rows) != 1:
        sys.exit(f"{library}: expected one symbol {name}, found {len(rows)}")
    address, size = int(rows[0][0], 16), int(rows[0][1], 16)
    sections = subprocess.run(["readelf", "-SW", str(library)], check=True, capture_output=True, text=True).stdout
    for line in sections.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[0].startswith("[") and fields[2] == "PROGBITS":
            start, offset, length = int(fields[3], 16), int(fields[4], 16), int(fields[5], 16)
            if start <= address and address + size <= start + length:
                with library.open("rb") as handle:
                    handle.seek(offset + address - start)
                    return handle.read(size)
    sys.exit(f"{library}: no section holds {name} at {address:#x}")


def tables() -> dict[str, np.ndarray]:
    """The three tables of the installed numpy."""
    library = compiled_generator()
    found = {
        "KI": np.frombuffer(symbol_bytes(library, "ki_double"), dtype="<u8"),
        "WI": np.frombuffer(symbol_bytes(library, "wi_double"), dtype="<f8"),
        "FI": np.frombuffer(symbol_bytes(library, "fi_double"), dtype="<f8"),
    }
    if any(table.shape != (256,) for table in found.values()):
        sys.exit(f"{library}: expected 256 entries per table, found {[t.shape for t in found.values()]}")
    return found


def rows(values: list[str], per_line: int) -> str:
    """Values as the body of a tuple, ``per_line`` to a line."""
    return "\n".join("    " + ", ".join(values[i : i + per_line]) + "," for i in range(0, len(values), per_line))


def module_text(found: dict[str, np.ndarray]) -> str:
    """The text of the tables module."""
    ki = [f"0x{int(value):013X}" for value in found["KI"]]
    wi = [repr(float(value)) for value in found["WI"]]
    fi = [repr(float(value)) for value in found["FI"]]
    return f'''"""The ziggurat tables of numpy's standard normal numbers, as compiled into numpy (written by a script).

``numpy.random.Generator.standard_normal`` draws each number with ``random_standard_normal``
(numpy/random/src/distributions/distributions.c), a ziggurat of 256 layers that reads these tables.
``cisim.model.skipping`` replays its decisions to count the 64-bit outputs a block of normals consumes.

Where they come from: the bytes of the local symbols ``ki_double``, ``wi_double`` and ``fi_double`` in numpy
{np.__version__}'s compiled ``numpy/random/_generator*.so``, copied by
``scripts/ziggurat_tables.py`` (which also checks them: ``--check``); the same values as numpy's source file
numpy/random/src/distributions/ziggurat_constants.h. ``NOR_R`` and ``NOR_INV_R`` are that file's
``ziggurat_nor_r`` and ``ziggurat_nor_inv_r`` (folded into numpy's compiled code, so taken from that file).
Floats are written so that they read back to the same bits. numpy has used these tables since 1.17; a numpy
whose ziggurat differs is caught by ``cisim.model.skipping``'s self-check, which then draws the numbers instead.
The tables are numpy's: Copyright (c) 2005-2017, NumPy Developers, under the BSD 3-Clause licence of numpy's
random/src/distributions/LICENSE.md (installed with numpy).
"""

import numpy as np

NOR_R = {NOR_R!r}
NOR_INV_R = {NOR_INV_R!r}

# fmt: off
#: ``ki_double``: a number is on the fast path when its 52-bit magnitude is below ``KI[layer]``.
KI = np.array([
{rows(ki, 6)}
], dtype=np.uint64)

#: ``wi_double``: the magnitude times ``WI[layer]`` is the number.
WI = np.array([
{rows(wi, 4)}
])

#: ``fi_double``: the density at each layer's edge, for the wedge test.
FI = np.array([
{rows(fi, 4)}
])
# fmt: on
'''


def main() -> None:
    """Write the module, or with ``--check`` compare it with this numpy's tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the module with this numpy's tables")
    arguments = parser.parse_args()
    found = tables()
    if arguments.check:
        namespace: dict[str, object] = {}
        exec(compile(TARGET.read_text(), str(TARGET), "exec"), namespace)
        same = all(
            np.array_equal(np.asarray(namespace[name]).view(np.uint64), table.view(np.uint64))
            for name, table in found.items()
        )
        print(f"{TARGET.name} {'matches' if same else 'DIFFERS from'} numpy {np.__version__}'s compiled tables")
        sys.exit(0 if same else 1)
    TARGET.write_text(module_text(found))
    print(f"wrote {TARGET} from {compiled_generator()}")


if __name__ == "__main__":
    main()
