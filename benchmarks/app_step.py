"""The classroom page's step: both models advance one step and every view is redrawn.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/app_step.py [--scenario NAME] [--seed N] [--json FILE]

Renders the page (Mesa's SolaraViz with the views ``cisim app`` serves) for the scenario in this process,
without a browser, then steps through a whole run as Mesa's Step button does. Each step is timed in two
parts: one step of both simulations, and the redraw of every view that follows it (Solara re-rendering the
page, each view drawing its figure and encoding it as PNG). Times are wall-clock; the redraw's processor
time is given beside it, since on a machine shared with other work the wall-clock time includes waiting for
a processor. Not included: sending the pictures to the browser over the local connection and the browser
showing them.

Target: step and redraw together under 200 ms on the default scenario (the built-in defaults), which
holds condition levels fixed (the conditions view then shows a note, not a picture); ``--scenario
immature_backbone`` times a page whose levels are built and drawn.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

TARGET_MS = 200.0


def measure(scenario_name: str | None, seed: int) -> dict[str, object]:
    """Time every step of one run of the page's two simulations and the redraw of its views."""
    import solara
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import force_update

    from cisim.api import resolve_scenario
    from cisim.classroom.page import TITLE, model_params, page_components
    from cisim.classroom.pair import SideBySide

    scenario = resolve_scenario(scenario_name)
    pair = SideBySide(base=scenario, seed=seed)
    cards = page_components()
    page = SolaraViz(pair, components=cards, model_params=model_params(scenario), name=TITLE)
    _, context = solara.render(page, handle_error=False)
    step_ms, redraw_ms, redraw_cpu_ms = [], [], []
    while pair.running:
        start = time.perf_counter()
        pair.step()
        stepped, cpu = time.perf_counter(), time.process_time()
        force_update()  # what Mesa's Step button does after stepping the model: the views render again
        done, cpu_done = time.perf_counter(), time.process_time()
        step_ms.append(1000 * (stepped - start))
        redraw_ms.append(1000 * (done - stepped))
        redraw_cpu_ms.append(1000 * (cpu_done - cpu))
    context.close()
    total = [a + b for a, b in zip(step_ms, redraw_ms, strict=True)]
    return {
        "scenario": scenario.name,
        "views": len(cards),
        "steps": len(total),
        "step_median_ms": statistics.median(step_ms),
        "redraw_median_ms": statistics.median(redraw_ms),
        "redraw_cpu_median_ms": statistics.median(redraw_cpu_ms),
        "total_median_ms": statistics.median(total),
        "total_p90_ms": statistics.quantiles(total, n=10)[-1],
        "total_max_ms": max(total),
        "target_ms": TARGET_MS,
    }


def main() -> None:
    """Measure and print; write JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", help="scenario name or file [default: the built-in defaults]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args()
    result = measure(arguments.scenario, arguments.seed)
    verdict = "within" if result["total_median_ms"] < TARGET_MS else "OVER"  # type: ignore[operator]
    print(
        f"{result['scenario']}: {result['steps']} steps, {result['views']} views\n"
        f"  one step of both models   median {result['step_median_ms']:6.1f} ms\n"
        f"  redraw of every view      median {result['redraw_median_ms']:6.1f} ms "
        f"(processor time {result['redraw_cpu_median_ms']:.1f} ms)\n"
        f"  step and redraw           median {result['total_median_ms']:6.1f} ms, 90th percentile "
        f"{result['total_p90_ms']:.1f} ms, slowest {result['total_max_ms']:.1f} ms "
        f"({verdict} the {TARGET_MS:.0f} ms target)"
    )
    if arguments.json:
        arguments.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
