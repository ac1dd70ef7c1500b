"""The regret benchmark's ground truth (benchmarks/regret.py): every configuration of the grid
trained under several seeds, each run kept as it finishes so that a killed measurement resumes
where it stopped.

The truths live in benchmarks/truths/, committed: one takes one to several hours of 2 cores,
more than a session has beside its other work, so each is measured once and then replayed
by anyone in minutes (the search does not train; it looks its trials up here). A truth's runs
must all start from one pretrained checkpoint: a checkpoint pretrained on another machine can
differ (the first truths, from an earlier checkpoint, sat 0.2-2.6 points away from later
ones, docs/regret.md), and runs from two would make one configuration's seeds disagree for a
reason the search cannot see. So a truth records its checkpoint's digest, and new runs are
added to it only from a checkpoint with the same digest.
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from advisor import space
from advisor.config import Config, TrialConfig
from advisor.cost.screening import valid_configs
from advisor.quiet import quiet_third_party
from advisor.study.workers import threads_per_worker
from advisor.training.trial import run_trial
from advisor.userfiles import write_text

DATASET = "fashion-mnist"
TRUTHS = Path(__file__).resolve().parent / "truths"
FORMAT = 1


@dataclass
class Truth:
    """The measured grid of one (model, task): every run, per configuration and seed."""

    model: str
    task: str
    epochs: int
    runs: dict[Config, list[dict]]  # in seed order

    def mean(self, config: Config) -> float:
        return statistics.mean(r["accuracy_after"] for r in self.runs[config])


def the_grid(model: str, ranks: list[int], depths: list[str]) -> list[Config]:
    """The recommender's candidates on this model, narrowed by --ranks and --depths."""
    from advisor.methods import METHODS
    from advisor.zoo import resolve_model

    spec = resolve_model(model)
    kept_depths = {spec.depth(name) for name in depths}
    return [c for c in valid_configs(model, space.grid(model))
            if (c.rank is None or c.rank in ranks)
            and (c.depth in kept_depths or not METHODS[c.method].reaches_backbone)]


def truth_path(folder: Path, model: str, task: str, epochs: int) -> Path:
    return folder / f"{model}-{task}-{DATASET}-e{epochs}.json"


def read_runs(path: Path) -> tuple[dict[str, dict], str | None]:
    """The runs kept in ``path`` by trial key, and the digest of the checkpoint they started
    from (None in an empty or missing file)."""
    if not path.is_file():
        return {}, None
    document = json.loads(path.read_text())
    if document.get("format") != FORMAT:
        sys.exit(f"{path}: not a regret truth of format {FORMAT}")
    return document["runs"], document["source_weights_sha256"]


def write_runs(path: Path, runs: dict[str, dict], digest: str) -> None:
    write_text(path, json.dumps({"format": FORMAT, "source_weights_sha256": digest,
                                 "runs": dict(sorted(runs.items()))}, indent=0) + "\n")


def weights_digest(module) -> str:
    """SHA-256 of a model's parameters and buffers, in state-dict order (independent of how
    the checkpoint file was serialised)."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def measure_truth(model: str, task: str, configs: list[Config], seeds: int, epochs: int,
                  jobs: int, folder: Path = TRUTHS) -> Truth:
    """Every (configuration, seed) run of the grid, from ``folder`` or trained now by ``jobs``
    spawned processes (threads split between them); this process alone writes the truth, run
    by run, so a killed or crashed run loses only the runs in flight."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    path = truth_path(folder, model, task, epochs)
    done, digest = read_runs(path)
    trials = {(c, s): TrialConfig(**c.model_dump(), model=model, task=task, dataset=DATASET,
                                  epochs=epochs, seed=s) for c in configs for s in range(seeds)}
    todo = [t for t in trials.values() if t.key() not in done]
    if todo:  # pretrained here with every thread, not by one worker on its share of them
        from advisor.training.pretrain import source_model
        from advisor.training.tasks import load_task
        from advisor.zoo import resolve_model

        t = todo[0]
        source = source_model(resolve_model(model), load_task(t.task, t.dataset, t.resolution,
                                                              t.corruption, t.severity),
                              t.weights)
        here = weights_digest(source.model)
        if digest not in (None, here):
            sys.exit(f"{path}: its {len(done)} runs started from another pretrained checkpoint "
                     f"(sha256 {digest[:12]}, here {here[:12]}); runs from two checkpoints "
                     "cannot share a truth: measure it anew with --truths FOLDER")
        digest = here
    failed = 0
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_threads,
                             initargs=(threads_per_worker(jobs),)) as pool:
        running = {pool.submit(_measured, t): t for t in todo}
        for i, future in enumerate(as_completed(running)):
            trial = running[future]
            try:
                done[trial.key()] = future.result()
            except Exception as exc:  # one failed run is retried by the next invocation
                failed += 1
                print(f"  truth {trial.label}: failed ({type(exc).__name__}: {exc})",
                      file=sys.stderr, flush=True)
                continue
            write_runs(path, done, digest)
            print(f"  truth {model}/{task} {i + 1}/{len(todo)}: {trial.label} seed "
                  f"{trial.seed}: {done[trial.key()]['accuracy_after']:.3f} "
                  f"({done[trial.key()]['wall_seconds']:.0f} s)", file=sys.stderr, flush=True)
    if failed:
        sys.exit(f"{failed} ground-truth runs failed; run again to retry them")
    runs = {c: [done[trials[c, s].key()] for s in range(seeds)] for c in configs}
    return Truth(model, task, epochs, runs)


def _threads(count: int) -> None:
    import torch

    quiet_third_party()
    torch.set_num_threads(count)


def _measured(trial: TrialConfig) -> dict:
    return run_trial(trial, profile=False).model_dump(mode="json")
