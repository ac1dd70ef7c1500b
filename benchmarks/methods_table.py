"""Issue-2 figures: source accuracy per model, and target accuracy before/after for every method.

    python benchmarks/methods_table.py [--model mobilenet_v3_small] [--epochs 4] [--rank 8]

Prints one Markdown table per task; every number is measured by run_trial on this machine.
"""

from __future__ import annotations

import argparse
import time

from advisor.config import TrialConfig
from advisor.methods import METHODS
from advisor.quiet import quiet_third_party
from advisor.training.trial import run_trial


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="mobilenet_v3_small")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rank", type=int, default=8)
    args = parser.parse_args()
    quiet_third_party()
    for task in ("unseen", "shift"):
        print(f"\n### {args.model}, task {task}, {args.epochs} epochs, rank {args.rank}\n")
        print("| method | targets | before | after | trainable params | fine-tune s | trial s |")
        print("|---|---|---|---|---|---|---|")
        for name, method in METHODS.items():
            config = TrialConfig(model=args.model, task=task, method=name, epochs=args.epochs,
                                 rank=args.rank if method.uses_rank else None)
            started = time.perf_counter()
            r = run_trial(config)
            print(f"| {name} | {config.targets if method.uses_targets else '-'} "
                  f"| {r.accuracy_before:.3f} | {r.accuracy_after:.3f} "
                  f"| {r.params_trainable:,} | {r.train_seconds:.1f} "
                  f"| {time.perf_counter() - started:.1f} |", flush=True)
        print(f"\nsource accuracy of the pretrained model: {r.source_accuracy:.3f}")


if __name__ == "__main__":
    main()
