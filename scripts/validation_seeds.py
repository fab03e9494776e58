"""Run validation experiments at the quick size at their own seed and two others, writing one record per seed.

Usage:
    python scripts/validation_seeds.py OUT_FOLDER [NAME ...]

Writes OUT_FOLDER/quick_seed0.json (the experiment's own seed), quick_seed1.json (seed + 1) and
quick_seed2.json (seed + 2), each as `cisim validate --quick --json` writes it, and prints each experiment's
verdicts and wall time per seed. `scripts/validation_tables.py` sets them beside the full-size record;
`tests/validation/test_three_seeds.py` asserts the same verdicts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from cisim.validation import drivers, find_experiments, load_validation, run_experiment
from cisim.validation.report import record, summary

OFFSETS = (0, 1, 2)


def main(out: Path, names: list[str]) -> None:
    """Run every named experiment (all by default) at the quick size at three seeds."""
    known = drivers()
    specs = [load_validation(path, known) for path in find_experiments(names)]
    out.mkdir(parents=True, exist_ok=True)
    for offset in OFFSETS:
        outcomes = []
        for spec in specs:
            outcome = run_experiment(replace(spec, seed=spec.seed + offset), known[spec.driver], quick=True)
            outcomes.append(outcome)
            verdicts = [p.verdict for p in outcome.patterns]
            print(
                f"{spec.name} seed {spec.seed + offset}: {verdicts.count('reproduced')} of {len(verdicts)} "
                f"reproduced, {outcome.wall_time:.1f} s",
                flush=True,
            )
            (out / f"quick_seed{offset}.json").write_text(json.dumps([record(o) for o in outcomes], indent=2) + "\n")
        print(f"seed offset {offset}: {summary(outcomes)}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
