"""How much one configuration's accuracy moves with the seed alone, per data protocol.

    python benchmarks/seed_spread.py [--datasets digits,fashion-mnist] [--seeds 4]
                                     [--configs full,lora:8] [--epochs 4]

Each configuration of mobilenet_v3_small on the `unseen` task is trained with seeds 0..N-1
(everything else equal) and scored on the task's test set. Printed per dataset: the test-set
size, each accuracy, the mean, the standard deviation across seeds, the range, and the
binomial standard error of one accuracy on that test set (the part of the spread that the
test set's size alone explains). The built-in digits protocol (359 training and 180 test
images) is the old one; Fashion-MNIST (2,400 and 3,600) the new one (tasks.py).
"""

from __future__ import annotations

import argparse
import statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="digits,fashion-mnist")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--configs", default="full,lora:8")
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()

    from advisor.config import TrialConfig
    from advisor.quiet import quiet_third_party
    from advisor.training.tasks import load_task
    from advisor.training.trial import run_trial

    quiet_third_party()
    for dataset in args.datasets.split(","):
        test = len(load_task("unseen", dataset).target.test)
        print(f"\n{dataset}: unseen task, {test} test images, {args.epochs} epochs")
        for spec in args.configs.split(","):
            method, _, rank = spec.partition(":")
            accuracies = []
            for seed in range(args.seeds):
                config = TrialConfig(model="mobilenet_v3_small", task="unseen", method=method,
                                     rank=int(rank) if rank else None, targets="pointwise",
                                     epochs=args.epochs, dataset=dataset, seed=seed)
                accuracies.append(run_trial(config, profile=False).accuracy_after)
                print(f"  {config.label:<24} seed {seed}: {accuracies[-1]:.1%}", flush=True)
            mean = statistics.mean(accuracies)
            binomial = (mean * (1 - mean) / test) ** 0.5
            print(f"  {config.label:<24} mean {mean:.1%}, sd {statistics.stdev(accuracies):.1%}"
                  f", range {max(accuracies) - min(accuracies):.1%}; binomial se of one "
                  f"accuracy {binomial:.1%}")


if __name__ == "__main__":
    main()
