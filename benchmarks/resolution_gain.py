"""Can a configuration's accuracy at the device's resolution be predicted from its accuracy
at the trials' 32 px? (issue 30, item 3: resolution as a dimension of the surrogate.)

    python benchmarks/resolution_gain.py [--transfer advisor/shipped/transfer.json]

No training: it reads the runs benchmarks/transfer.py --ship keeps (per model, the same
configurations under the same seeds at 32 px and at each other resolution). Each
configuration is held out in turn and its mean at the other resolution predicted from its
own 32-px mean and the other configurations' runs at both, by:
- offset: its 32-px mean plus the median gain of the others (what a constant resolution
  effect, the simplest dimension, would do);
- offset by reach: plus a gain linear in the share of the model's blocks the update leaves
  frozen (head-only all, an update of the last k of n blocks 1 - k/n, of all blocks none),
  least squares on the others: the last blocks' feature maps are 1x1 at 32 px and grow with
  the resolution, so depth-limited updates should gain most (docs/transfer.md);
- forest: the surrogate's own random forest (advisor/accuracy/surrogate.py, its features)
  with the log of the resolution as one more feature, fitted on every run at 32 px and the
  others' runs at the resolution: resolution as a dimension of the surrogate, literally.
Printed: the mean and the largest absolute error (points) per model and resolution, and the
configuration each predictor misses most.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

from advisor.config import Config
from advisor.decision.transfer import column_runs
from advisor.methods import METHODS

DEFAULT = Path(__file__).resolve().parents[1] / "advisor" / "shipped" / "transfer.json"
TRIALS_PX = 32


def frozen_share(config: Config, blocks: int) -> float:
    """The share of the blocks the update leaves frozen (1 for the head alone)."""
    if not METHODS[config.method].reaches_backbone:
        return 1.0
    return 0.0 if config.depth is None else 1.0 - config.depth / blocks


def columns(document: dict, model: str) -> dict[int, dict[Config, list[float]]]:
    """Per resolution, each configuration's accuracies (points) over the seeds."""
    runs = document["models"][model]["groups"]["resolution"]["runs"]
    return {int(name.split()[0]): {c: [100 * a for a in accuracies]
                                   for c, accuracies in column_runs(column).items()}
            for name, column in runs.items()}


def by_offset(low: dict, high: dict, held: Config, **_) -> float:
    gains = [statistics.mean(high[c]) - statistics.mean(low[c]) for c in high if c != held]
    return statistics.mean(low[held]) + statistics.median(gains)


def by_reach(low: dict, high: dict, held: Config, blocks: int, **_) -> float:
    others = [c for c in high if c != held]
    x = np.array([frozen_share(c, blocks) for c in others])
    gain = np.array([statistics.mean(high[c]) - statistics.mean(low[c]) for c in others])
    slope, intercept = np.polyfit(x, gain, 1)
    return statistics.mean(low[held]) + intercept + slope * frozen_share(held, blocks)


def by_forest(low: dict, high: dict, held: Config, px: int, **_) -> float:
    from advisor.accuracy.surrogate import _pipeline, features

    rows, y = [], []
    for resolution, column in ((TRIALS_PX, low), (px, high)):
        for config, accuracies in column.items():
            if resolution == px and config == held:
                continue
            rows += [[*features(config), np.log(resolution)]] * len(accuracies)
            y += accuracies
    fitted = _pipeline().fit(np.array(rows, dtype=object), np.array(y))
    return float(fitted.predict(np.array([[*features(held), np.log(px)]], dtype=object))[0])


PREDICTORS = {"offset": by_offset, "offset by reach": by_reach, "forest": by_forest}


def held_out(document: dict, model: str) -> list[str]:
    from advisor.zoo import resolve_model

    blocks = resolve_model(model).block_count
    measured = columns(document, model)
    low = measured[TRIALS_PX]
    lines = []
    for px in sorted(r for r in measured if r != TRIALS_PX):
        high = {c: v for c, v in measured[px].items() if c in low}
        cells, worst = [], []
        for name, predict in PREDICTORS.items():
            errors = {c: predict(low, high, c, blocks=blocks, px=px)
                      - statistics.mean(high[c]) for c in high}
            miss = max(errors, key=lambda c: abs(errors[c]))
            cells.append(f"{np.mean(np.abs(list(errors.values()))):.1f} "
                         f"(max {abs(errors[miss]):.1f})")
            worst.append(f"{name}: {miss.label} {errors[miss]:+.1f}")
        lines.append(f"| {model} | {TRIALS_PX} -> {px} px | {len(high)} | "
                     + " | ".join(cells) + " | " + "; ".join(worst) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfer", type=Path, default=DEFAULT)
    args = parser.parse_args()
    document = json.loads(args.transfer.read_text())
    print("held out by configuration: |predicted - measured mean| in points, mean (max)\n")
    print("| model | resolution | configurations | " + " | ".join(PREDICTORS)
          + " | missed most (predicted - measured) |")
    print("|---|---|---|" + "---|" * len(PREDICTORS) + "---|")
    for model, entry in document["models"].items():
        if "resolution" in entry["groups"]:
            print("\n".join(held_out(document, model)))


if __name__ == "__main__":
    main()
