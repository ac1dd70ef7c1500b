"""Build the evidence advisor ships (advisor/shipped/): one command, resumable.

    python benchmarks/ship_evidence.py [--models mobilenet_v3_small,...] [--tasks unseen,shift]
                                       [--trials 24] [--jobs 2] [--work DIR] [--costs-only]
                                       [--refit] [--optimizer sgd]

1. Per model: the source model pretrained on Fashion-MNIST's source classes (cached).
2. Per (model, task): an `advisor search` study on Fashion-MNIST (tasks.py's protocol,
   4 epochs a trial, front-runners repeated under new seeds) in a journal under --work
   (default <cache>/ship-evidence/); only the trials still missing are run, so a killed run
   goes on where it stopped.
3. Per (model, task): advisor/shipped/evidence-<model>-<task>.json: the trials, the
   surrogate's estimate for every candidate, its held-out calibration, and the date, command,
   library versions and host.
4. advisor/shipped/costs-v<N>.json: the exact costs every shipped device needs for the shipped
   models (a recommendation for each device, model and task, in this process, unconstrained and
   with --max-memory at 25/50/75% of the unconstrained choice's RAM, --max-update-time 60 and
   an impossible --max-memory 1KiB: the lever settings those try and the forward peaks the RAM
   floor reads), so that a first `advisor recommend` profiles nothing.

--optimizer sgd builds the evidence of an ExecuTorch program's recommendation instead: trials
that train as a program does (SGD with momentum 0.9, BatchNorm statistics kept, dropout off),
in studies of their own, written as evidence-<model>-<task>-sgd.json; no costs are built
(the AdamW files' serve the same candidates).

--refit rebuilds the shipped files from the trials they store, training nothing (after a change
to the surrogate: tests/test_shipped.py fails until the stored estimates are the refit's); the
provenance keeps the build's and records when and by which command it was refitted.

Prints, per (model, task): trials, repeated configurations, seed noise, the held-out share of
trials inside the 90% interval, and the build's time; at the end the shipped files' sizes.
The same, with the date and versions, goes to docs/evidence.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from advisor.cost.cache import UsedCosts
from advisor.decision import shipped
from advisor.paths import cache_dir
from advisor.quiet import quiet_third_party
from advisor.userfiles import write_text

MODELS = ("mobilenet_v3_small", "mobilenet_v3_small_050", "mobilenet_v2", "mobilenet_v2_035",
          "resnet18")
LIBRARIES = ("torch", "torchvision", "peft", "galore-torch", "optuna", "scikit-learn", "numpy",
             "advisor")


def _this_run() -> dict:
    """When, by which command and with which versions this run is: a build's or a refit's."""
    return {"at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python benchmarks/ship_evidence.py " + " ".join(sys.argv[1:]),
            "versions": {"python": platform.python_version(),
                         **{name: metadata.version(name) for name in LIBRARIES}}}


def provenance(seconds: float) -> dict:
    import torch

    run = _this_run()
    return {"built": run["at"], "command": run["command"], "versions": run["versions"],
            "host": {"platform": platform.platform(), "cpus": os.cpu_count(),
                     "torch_threads": torch.get_num_threads()},
            "trial_seconds": round(seconds, 1)}


def build_evidence(model: str, task: str, trials: int, jobs: int, storage: str,
                   optimizer: str = "adamw") -> None:
    from advisor.devices.profile import list_devices
    from advisor.study.search import open_study, search
    from advisor.study.trials import completed_results, task_size

    study = open_study(model, task, storage, dataset=shipped.DATASET, optimizer=optimizer)
    missing = trials - len(completed_results(study))
    if missing > 0:
        print(f"{model} / {task} ({optimizer}): running {missing} trials", flush=True)
        # for every shipped device: the repeats confirm each one's front-runners
        study = search(model, task, missing, storage, dataset=shipped.DATASET, jobs=jobs,
                       optimizer=optimizer, devices=[d.id for d in list_devices()])
    results = completed_results(study)
    samples, num_classes = task_size(study, task, shipped.DATASET)
    document = shipped.build_document(
        model, task, study.user_attrs["epochs"], results, samples, num_classes,
        provenance(sum(r["wall_seconds"] for r in results)), optimizer)
    write_text(shipped.evidence_file(model, task, optimizer),
               json.dumps(document, separators=(",", ":")))
    _summary(model, task, document)


def refit_evidence(model: str, task: str, optimizer: str = "adamw") -> None:
    """The shipped file of (model, task, optimizer) rebuilt from its own stored trials."""
    path = shipped.evidence_file(model, task, optimizer)
    old = shipped.read_document(path)
    if old is None:
        sys.exit(f"{path} is absent or of another format: nothing to refit (build it)")
    run = _this_run()
    provenance = old["provenance"] | {"refitted": run["at"], "refit_command": run["command"],
                                      "refit_versions": run["versions"]}
    document = shipped.build_document(model, task, old["epochs"], old["trials"],
                                      old["samples"], old["num_classes"], provenance,
                                      optimizer)
    write_text(path, json.dumps(document, separators=(",", ":")))
    shipped.read_document.cache_clear()  # the report and the costs read the new file
    _summary(model, task, document)


def _summary(model: str, task: str, document: dict) -> None:
    fit = document["surrogate"]
    repeated = sum(1 for row in document["tried"] if row["runs"] > 1)
    noise = f"{100 * fit['seed_sd']:.1f} points" if fit["seed_sd"] is not None else "unknown"
    print(f"{model} / {task} ({shipped.optimizer_of(document)}): {fit['n_trials']} trials, "
          f"{repeated} configurations repeated, "
          f"seed noise sd {noise} ({fit['seed_df']} df), held-out trials inside the 90% "
          f"interval {fit['held_out_inside_90']}/{fit['held_out_checked']}, "
          f"{document['provenance']['trial_seconds'] / 60:.0f} min of trials", flush=True)


def build_costs() -> None:
    """Every cost and model figure a recommendation for each shipped device, model and task
    needs, unconstrained and under the questions of ``constrained``, taken from the cost cache
    into the shipped file (only those: UsedCosts records them)."""
    from advisor.decision.recommend import decide
    from advisor.devices.profile import list_devices

    pairs = shipped.shipped_pairs()
    with UsedCosts() as used:
        for i, (model, task) in enumerate(pairs, 1):
            evidence = shipped.shipped_evidence(model, task)
            for device in list_devices():
                started = time.perf_counter()
                plain = decide(evidence, device)
                for limits in shipped.constrained_questions(plain):
                    decide(evidence, device, limits)
                print(f"[{i}/{len(pairs)}] {model} {task} {device.id}: "
                      f"{time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    used.export({model for model, _ in pairs})


REPORT = Path(__file__).resolve().parent.parent / "docs" / "evidence.md"


def write_report() -> None:
    """docs/evidence.md: what the shipped evidence is, per (model, task)."""
    lines = ["# The shipped evidence", "",
             "What `advisor recommend` rests on when you bring no data: real trials on "
             "Fashion-MNIST (tasks.py's protocol: 4 epochs, 32 px, batch 32; `unseen` 480 "
             "training and 720 test images per new class, `shift` 180 + 180 per class), "
             "built by `python benchmarks/ship_evidence.py` (resumable). Held-out calibration: "
             "each fold's trials against a surrogate fitted and calibrated without them "
             "(surrogate.held_out_coverage); the share inside the printed 90% interval should "
             "be near 90%.", "",
             "Files with the optimizer `sgd` are the evidence of an ExecuTorch program's "
             "recommendation: trials that trained as the program does (SGD with momentum "
             "0.9, BatchNorm statistics kept, dropout off), on the methods a program can "
             "run.", "",
             "| model | task | optimizer | trials | configurations tried | repeated "
             "| seed noise sd | held-out inside 90% interval | inside ± CV MAE | CV MAE "
             "| best measured mean | source model's accuracy | built | trial time "
             "| torch threads per trial |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    versions = {}
    for path in sorted(shipped.FOLDER.glob("evidence-*.json")):
        d = shipped.read_document(path)
        if d is None:
            continue
        model, task = d["model"], d["task"]
        fit, tried = d["surrogate"], d["tried"]
        best = max(tried, key=lambda row: row["accuracy"])
        sources = {t["source_accuracy"] for t in d["trials"]}
        noise = f"{100 * fit['seed_sd']:.1f} pts ({fit['seed_df']} df)" if fit["seed_sd"] \
            else "none"
        n = fit["held_out_checked"]
        lines.append(
            f"| {model} | {task} | {shipped.optimizer_of(d)} | {fit['n_trials']} "
            f"| {len(tried)} "
            f"| {sum(row['runs'] > 1 for row in tried)} | {noise} "
            f"| {fit['held_out_inside_90']}/{n} = {fit['held_out_inside_90'] / n:.0%} "
            f"| {fit['held_out_within_mae']}/{n} = {fit['held_out_within_mae'] / n:.0%} "
            f"| {100 * fit['cv_mae']:.1f} pts | {100 * best['accuracy']:.1f}% "
            f"({best['runs']} run{'s' if best['runs'] > 1 else ''}) "
            f"| {', '.join(f'{a:.1%}' for a in sorted(sources))} "
            f"| {d['provenance']['built'][:10]} "
            f"| {d['provenance']['trial_seconds'] / 60:.0f} min | {_threads(d['trials'])} |")
        versions = d["provenance"]["versions"] | {"host": d["provenance"]["host"]["platform"]}
    lines += ["", "The source model is pretrained on the host that builds (cached per model): "
              "pretraining is not bit-reproducible across hosts, and the same code at "
              "ee4480f pretrained mobilenet_v3_small_050 to 88.6% on the host of 2026-12-02 "
              "and to 86.4% on that of 2026-12-05. Trials of one file share one source model; "
              "files built on different dates do not.",
              "", "Versions of the last file built: "
              + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", ""]
    REPORT.write_text("\n".join(lines))


def _threads(trials: list[dict]) -> str:
    """The thread counts the trials trained with (full fine-tuning's figures depend on it,
    docs/transfer.md); files built before trials kept it say so."""
    counts = sorted({t["threads"] for t in trials if t.get("threads") is not None})
    return ", ".join(map(str, counts)) if counts else "not kept"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tasks", default="unseen,shift")
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", help="folder of the build's studies (default: the cache's)")
    parser.add_argument("--costs-only", action="store_true",
                        help="only rebuild the shipped costs from the shipped evidence")
    parser.add_argument("--refit", action="store_true",
                        help="rebuild the shipped files from their stored trials (no training)")
    parser.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw",
                        help="sgd: the evidence of an ExecuTorch program's recommendation")
    args = parser.parse_args()
    quiet_third_party()
    started = time.perf_counter()
    shipped.FOLDER.mkdir(exist_ok=True)
    models, tasks = args.models.split(","), args.tasks.split(",")
    if args.refit:
        for model in models:
            for task in tasks:
                if shipped.read_document(shipped.evidence_file(model, task, args.optimizer)):
                    refit_evidence(model, task, args.optimizer)
    elif not args.costs_only:
        from advisor.training.pretrain import source_model
        from advisor.training.tasks import load_task
        from advisor.zoo import resolve_model

        work = Path(args.work or cache_dir() / "ship-evidence")
        work.mkdir(parents=True, exist_ok=True)
        storage = str(work / "studies.journal")
        for model in models:
            # with every thread, before the workers start (one of them would pretrain it on
            # its share of the threads while the others wait: pretrain.py's lock)
            source_model(resolve_model(model), load_task("unseen", shipped.DATASET))
            for task in tasks:
                build_evidence(model, task, args.trials, args.jobs, storage, args.optimizer)
                shipped.read_document.cache_clear()
    if args.optimizer == "adamw":
        build_costs()
    write_report()
    print(f"\nshipped files ({(time.perf_counter() - started) / 60:.1f} min this run):")
    for path in sorted(shipped.FOLDER.glob("*.json")):
        print(f"  {path.relative_to(shipped.FOLDER.parent.parent)}: "
              f"{path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
