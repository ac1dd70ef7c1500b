"""Does the answer beat the rules of thumb on seeds the evidence never saw? (issue 30, item 1)

    python benchmarks/baseline_check.py [--device jetson-nano] [--model mobilenetv3]
                                        [--task unseen] [--seeds 11,12,13] [--work DIR]
                                        [--resolution PX]

The shipped question (`advisor recommend --device D --model M --task T`, no data named) is
answered; then the recommendation and every baseline (space.BASELINES: full fine-tuning, LoRA
r8 and head-only at all blocks) is trained again under new seeds with the shipped evidence's
protocol (Fashion-MNIST, 4 epochs, 32 px, batch 32, the same source model), or with
--resolution at another (the device's 224 px: the source model pretrained there, as
benchmarks/transfer.py does; the answer's figure there where it was measured there,
decision/confirmation.py). Printed per
configuration: what the answer said (measured or predicted, RAM needed on the device), the
mean over the new seeds with its standard error, and the difference to the recommendation
with the standard error of the difference. The answer loses to a baseline where a baseline
that fits is ahead by more than two standard errors of the difference. Each run is kept in
--work as it finishes (a killed run resumes).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def _runs(work: Path, config, model: str, task: str, seeds: list[int],
          resolution: int | None) -> list[float]:
    from advisor.config import TrialConfig
    from advisor.decision import shipped
    from advisor.training.trial import run_trial

    out = []
    at = {} if resolution is None else {"resolution": resolution}
    for seed in seeds:
        trial = TrialConfig(**config.evidence_config().model_dump(), model=model, task=task,
                            dataset=shipped.DATASET, seed=seed, **at)
        path = work / (trial.label.replace(" ", "_").replace("(", "").replace(")", "")
                       + f"-{model}-{task}-s{seed}"
                       + ("" if resolution is None else f"-r{resolution}") + ".json")
        if not path.exists():
            result = run_trial(trial, profile=False)
            path.write_text(json.dumps({"accuracy": result.accuracy_after,
                                        "threads": result.threads}))
        out.append(json.loads(path.read_text())["accuracy"])
        print(f"  {trial.label} seed {seed}: {out[-1]:.1%}", flush=True)
    return out


def _said(accuracy: float, runs: int, confirmed, resolution: int | None) -> tuple[float, int]:
    """What the answer said of a configuration at the resolution checked: its figure there
    where it was measured there (decision/confirmation.py), else the trials'."""
    if confirmed is not None and confirmed.resolution == resolution:
        return confirmed.accuracy, confirmed.runs
    return accuracy, runs


def _mean_se(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) / len(values) ** 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="jetson-nano")
    parser.add_argument("--model", default="mobilenetv3")
    parser.add_argument("--task", default="unseen")
    parser.add_argument("--seeds", default="11,12,13")
    parser.add_argument("--work", default="baseline-check")
    parser.add_argument("--resolution", type=int, default=None,
                        help="train at this resolution (default: the shipped protocol's)")
    args = parser.parse_args()
    import torch

    from advisor.decision.explain import human_bytes
    from advisor.decision.recommend import recommend
    from advisor.quiet import quiet_third_party
    from advisor.zoo import resolve_model

    quiet_third_party()
    seeds = [int(s) for s in args.seeds.split(",")]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = resolve_model(args.model).name
    answer = recommend(args.device, model, args.task)
    chosen = answer.recommendation
    if chosen is None:
        raise SystemExit(f"nothing fits {args.device}: no answer to check")
    rows = [("recommendation", chosen.label, *_said(chosen.predicted_accuracy,
                                                    chosen.measured_runs, chosen.confirmed,
                                                    args.resolution),
             chosen.required_ram_bytes, True, chosen.config)]
    from advisor.space import BASELINES

    for b in answer.baselines:
        rows.append((b.name, b.label, *_said(b.accuracy, b.measured_runs, b.confirmed,
                                             args.resolution),
                     b.required_ram_bytes, b.fits, BASELINES[b.name]))
    measured = {}
    for name, label, *_, config in rows:
        print(f"{name}: {label}", flush=True)
        measured[name] = _runs(work, config, model, args.task, seeds, args.resolution)
    ours = measured["recommendation"]
    where = "" if args.resolution is None else f" at {args.resolution} px"
    print(f"\n{model} / {args.task} on {args.device}, new seeds {args.seeds} "
          f"(shipped protocol{where}; new runs with torch at {torch.get_num_threads()} "
          "threads, OMP_NUM_THREADS sets it):")
    print(f"{'':<18} {'configuration':<24} {'answer said':>22} {'RAM':>10} "
          f"{'new seeds':>14} {'vs answer':>16}")
    lost = []
    for name, label, said, runs, ram, fits, _ in rows:
        mean, se = _mean_se(measured[name])
        diff = [a - b for a, b in zip(measured[name], ours, strict=True)]
        d_mean = statistics.mean(diff)
        d_se = statistics.stdev(diff) / len(diff) ** 0.5 if name != "recommendation" else 0.0
        how = f"{said:.1%} ({'measured ' + str(runs) if runs else 'predicted'})"
        versus = "" if name == "recommendation" else f"{100 * d_mean:+.1f} ± {100 * d_se:.1f} pts"
        print(f"{name:<18} {label:<24} {how:>22} {human_bytes(ram, compact=True):>10} "
              f"{mean:>8.1%} ± {100 * se:.1f} {versus:>16}" + ("" if fits else "  (does not fit)"))
        if name != "recommendation" and fits and d_mean > 2 * d_se and d_mean > 0:
            lost.append(name)
    print("\nthe answer loses to a baseline that fits (by more than 2 SE of the difference): "
          + (", ".join(lost) if lost else "none"))


if __name__ == "__main__":
    main()
