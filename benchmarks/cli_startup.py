"""How long ``cisim --version`` and ``cisim --help`` take to answer, each in a fresh process.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/cli_startup.py [--repeat 5]

Prints the mean and the fastest wall time of ``python -m cisim ARGS`` over the repeats, and of a bare
``python -c pass`` for comparison (the interpreter's own start-up). The target: well under a second.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def timed(args: list[str], repeat: int) -> tuple[float, float]:
    """Mean and fastest seconds of running ``args`` ``repeat`` times."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return sum(times) / len(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cisim --version": [sys.executable, "-m", "cisim", "--version"],
        "cisim --help": [sys.executable, "-m", "cisim", "--help"],
    }
    for name, args in cases.items():
        mean, fastest = timed(args, repeat)
        print(f"{name:<16} mean {mean:.3f} s   fastest {fastest:.3f} s   ({repeat} runs)")


if __name__ == "__main__":
    main()
