"""Do the surrogate's printed 90% intervals hold trials it never saw?

    python benchmarks/surrogate_calibration.py [--model mobilenetv3] [--task unseen]
                                               [--storage PATH|URL] [--epochs 4] [--folds 5]

The study's completed trials are split into folds; each fold's trials are checked against a
surrogate fitted and calibrated on the other folds only (surrogate.held_out_coverage). Printed:
the share inside the 90% interval, with its binomial standard error, next to the share inside
the interval the advisor printed before (+- the cross-validated mean absolute error), and the
seed noise the study's repeated trials show.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mobilenetv3")
    parser.add_argument("--task", default="unseen")
    parser.add_argument("--storage")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    from advisor.accuracy.surrogate import AccuracySurrogate, held_out_coverage
    from advisor.quiet import quiet_third_party
    from advisor.study.search import open_study
    from advisor.study.trials import completed_results

    quiet_third_party()
    study = open_study(args.model, args.task, args.storage, epochs=args.epochs, create=False)
    results = completed_results(study)
    inside, old, total = held_out_coverage(results, args.folds)
    share = inside / total
    print(f"study {study.study_name}: {total} completed trials, {args.folds} folds")
    print(f"held-out trials inside the 90% interval: {inside}/{total} = {share:.0%} "
          f"(binomial se {np.sqrt(share * (1 - share) / total):.0%})")
    print(f"inside +- the cross-validated MAE (the interval printed before): {old}/{total} = "
          f"{old / total:.0%}")
    whole = AccuracySurrogate().fit(results)
    if whole.seed_sd is None:
        print("seed noise: unknown (no configuration was tried more than once)")
    else:
        print(f"seed noise (pooled over repeated configurations): sd {whole.seed_sd:.1%} "
              f"with {whole.seed_df} degrees of freedom")


if __name__ == "__main__":
    main()
