"""Issue-12 figures: how far the recommendation is from the truth, on Fashion-MNIST.

    python benchmarks/regret.py [--models mobilenet_v3_small,resnet18] [--tasks unseen,shift]
        [--devices jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram] [--seeds 3]
        [--search-seeds 5] [--budgets 0.1,0.2,0.4] [--ranks 1,2,4,8,16,32]
        [--depths all,half,quarter,last] [--epochs 4] [--jobs 2]
        [--truths benchmarks/truths] [--blind] [--report docs/regret.md]

1. Ground truth: every configuration of the grid the recommender considers (method x rank x
   target policy x depth that the model accepts; --ranks and --depths narrow the grid for the
   truth and the recommender alike), trained --seeds times (seeds 0, 1, ...) at the method's
   default learning rate on Fashion-MNIST (tasks.py's protocol); each run is kept in
   benchmarks/truths/ (committed, so a truth is measured once) as it finishes, so a killed
   run resumes. A configuration's true accuracy is its mean.
2. Per device: the exact cost of every configuration at the device's batch and resolution;
   the oracle (the best feasible true mean) and the cheapest configuration by RAM within 0.5
   points of it.
3. Per budget (a share of the grid's configurations, as trials) and search seed:
   - advisor: `advisor search --device ...`'s own loop, told the devices (the baselines
     first, then distinct configurations of the grid in a seeded order, then the untried ones
     the surrogate rates highest, advisor/study/next_candidate.py; the front-runners of each
     device in turn repeated under new seeds, repeats.py; --blind: the search without
     devices, whose repeats take the most accurate configuration whatever fits), each trial
     looked up in the ground truth (the run of the seed it asks for, or another unused run of
     that configuration when the search draws it again at another learning rate, which the
     truth does not vary) instead of retrained; then the surrogate and the recommender as
     `advisor recommend` runs them (ties to the least RAM);
   - random search: that many distinct random configurations, one run each (seed 0), the
     feasible one with the best measured accuracy;
   - fixed rules: always full fine-tuning, always LoRA r8 (no-depthwise), always head-only.
   regret = the oracle's true mean - the choice's true mean (points; lower is better);
   RAM = the choice's RAM need / that of the cheapest configuration within 0.5 points.
   Each mean regret comes with its standard error over the search seeds (a seed's regrets
   averaged over the devices first: one search's evidence is ranked for every device), and
   the summary gives advisor - random search with its own, so "below random search" is a
   difference measured against its uncertainty.
Target (issue 12): mean regret at most 0.5 points at 20%, below random search at the same
budget, never an infeasible recommendation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # its parts, also when loaded by path
import regret_report as report
from regret_replay import device_rows, options_on, searched
from regret_truth import DATASET, TRUTHS, measure_truth, the_grid

from advisor import space
from advisor.cost.cache import costs
from advisor.devices.profile import load_device
from advisor.quiet import quiet_third_party


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mobilenet_v3_small,resnet18")
    parser.add_argument("--tasks", default="unseen,shift")
    parser.add_argument("--devices", default="jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram")
    parser.add_argument("--seeds", type=int, default=3, help="ground-truth runs per config")
    parser.add_argument("--search-seeds", type=int, default=5)
    parser.add_argument("--budgets", default="0.1,0.2,0.4")
    parser.add_argument("--ranks", default="1,2,4,8,16,32")
    parser.add_argument("--depths", default=",".join(space.DEPTHS))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2, help="processes training the truth")
    parser.add_argument("--truths", type=Path, default=TRUTHS,
                        help="the folder of measured truths, read and extended run by run "
                        "(default: the committed benchmarks/truths)")
    parser.add_argument("--blind", action="store_true", help="search without being told the "
                        "devices (its repeats then confirm the device-independent front-runner)")
    parser.add_argument("--report", help="also write the figures there, as this command's "
                        "section (docs/regret.md)")
    args = parser.parse_args()
    quiet_third_party()
    from advisor.training.tasks import load_task

    ranks = [int(r) for r in args.ranks.split(",")]
    fractions = [float(f) for f in args.budgets.split(",")]
    devices = [load_device(d) for d in args.devices.split(",")]
    rows, grids = [], []
    for model in args.models.split(","):
        configs = the_grid(model, ranks, args.depths.split(","))
        for task in args.tasks.split(","):
            data = load_task(task, DATASET)
            samples, num_classes = len(data.target.train), data.target.num_classes
            truth = measure_truth(model, task, configs, args.seeds, args.epochs,
                                  args.jobs, args.truths)
            peak = {c: cost.memory.peak_bytes for c, cost in
                    costs(model, configs, 32, 32, num_classes).items()}
            means = {c: truth.mean(c) for c in configs}
            best = max(means, key=means.get)
            grids.append(f"{model} / {task}: {len(configs)} configurations x {args.seeds} "
                         f"seeds; best {best.label} {means[best]:.1%}, median "
                         f"{statistics.median(means.values()):.1%}")
            print("\n" + grids[-1], flush=True)
            on = [options_on(truth, configs, d, samples, num_classes) for d in devices]
            fitting = [] if args.blind else [
                {c for c, o in options.items() if o.feasible} for _, options in on]
            searches = searched(truth, configs, fractions, args.search_seeds, peak, samples,
                                num_classes, fitting)
            for device, on_device in zip(devices, on, strict=True):
                rows += device_rows(truth, configs, device, searches, fractions,
                                    args.search_seeds, on_device)
    table = report.table(rows, fractions)
    print("\n" + "\n".join(table))
    if args.report:
        report.write(Path(args.report), grids, table)


if __name__ == "__main__":
    main()
