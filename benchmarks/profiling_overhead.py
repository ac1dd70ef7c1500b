"""Issue-3 figure: how much the built-in cost measurement slows a trial (budget: 10%).

    python benchmarks/profiling_overhead.py [--repeats 5] [--methods lora,full,head]

Alternates trials with and without profiling (so machine noise hits both alike) and prints the
median fine-tune time of each and the overhead.
"""

from __future__ import annotations

import argparse
import statistics

from advisor.config import TrialConfig
from advisor.quiet import quiet_third_party
from advisor.training.trial import run_trial


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--methods", default="lora,full,head")
    parser.add_argument("--model", default="mobilenet_v3_small")
    args = parser.parse_args()
    quiet_third_party()
    print("| method | fine-tune s (no profiling) | fine-tune s (profiled) | overhead |")
    print("|---|---|---|---|")
    overheads = []
    for method in args.methods.split(","):
        config = TrialConfig(model=args.model, task="unseen", method=method)
        run_trial(config, profile=False)  # warm caches
        plain, profiled = [], []
        for _ in range(args.repeats):
            plain.append(run_trial(config, profile=False).train_seconds)
            profiled.append(run_trial(config, profile=True).train_seconds)
        a, b = statistics.median(plain), statistics.median(profiled)
        overheads.append(b / a - 1)
        print(f"| {method} | {a:.2f} | {b:.2f} | {100 * (b / a - 1):+.1f}% |", flush=True)
    print(f"\nworst median overhead: {100 * max(overheads):+.1f}% (budget +10%)")


if __name__ == "__main__":
    main()
