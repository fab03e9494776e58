"""The figures of docs/performance.md, drawn from the measurements the benchmarks wrote (``--json``).

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/model_speed.py --json benchmarks/measured/model_speed.json
    .venv/bin/python benchmarks/sweep_throughput.py --json benchmarks/measured/sweep_throughput.json
    .venv/bin/python benchmarks/figures.py

Writes ``docs/figures/performance_organizations.png`` (cost of a step against organizations, now and the
previous main), ``docs/figures/performance_problem.png`` (cost of a step against elements x 2^k) and, when
the sweep measurements are there, ``docs/figures/performance_sweep_memory.png`` (peak memory against runs).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "measured"
FIGURES = ROOT / "docs" / "figures"


def organizations(figures: dict) -> None:
    rows = figures["per_step"]
    counts = [row["organizations"] for row in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(counts, [row["previous_ms"] for row in rows], "o--", color="grey", label="previous main")
    ax.loglog(counts, [row["now_ms"] for row in rows], "o-", color="tab:blue", label="now")
    linear = [rows[0]["now_ms"] * c / counts[0] for c in counts]
    ax.loglog(counts, linear, ":", color="tab:blue", alpha=0.5, label="linear from 10 organizations")
    ax.set_xlabel("organizations")
    ax.set_ylabel("processor time per step (ms)")
    ax.set_title(
        f"Cost of a step (complex scenario): exponent {figures['exponent_now']:.2f} now, "
        f"{figures['exponent_previous']:.2f} before",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(FIGURES / "performance_organizations.png", dpi=120)
    plt.close(fig)


def problem(figures: dict) -> None:
    rows = figures["per_step_problem"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogx([row["size"] for row in rows], [row["now_ms"] for row in rows], "o-", color="tab:blue")
    for row in rows:
        ax.annotate(
            f"n={row['n']}, k={row['k']}",
            (row["size"], row["now_ms"]),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax.set_ylim(bottom=0)
    ax.set_xlabel("elements x 2^k")
    ax.set_ylabel("processor time per step (ms)")
    ax.set_title(
        f"Cost of a step against problem size (100 organizations): exponent {figures['exponent_problem']:.2f}",
        fontsize=9,
    )
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(FIGURES / "performance_problem.png", dpi=120)
    plt.close(fig)


def sweep_memory(figures: dict) -> None:
    sizes = sorted(int(size) for size in figures["memory_mb"])
    peaks = [figures["memory_mb"][str(size)] for size in sizes]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(sizes, [peak["main"] for peak in peaks], "o-", label="main process")
    ax.plot(sizes, [peak["largest worker"] for peak in peaks], "s-", label="largest worker")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("runs in the sweep")
    ax.set_ylabel("peak resident memory (MB)")
    ax.set_title("Memory of a sweep, every step's outputs kept", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(FIGURES / "performance_sweep_memory.png", dpi=120)
    plt.close(fig)


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    speed = json.loads((RESULTS / "model_speed.json").read_text())
    organizations(speed)
    problem(speed)
    sweep = RESULTS / "sweep_throughput.json"
    if sweep.exists():
        sweep_memory(json.loads(sweep.read_text()))
    print(f"figures written to {FIGURES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
