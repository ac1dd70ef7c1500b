"""The regret benchmark's ground truth (benchmarks/regret.py): every configuration of the grid
trained under several seeds, each run kept in the cache as it finishes so that a killed
measurement resumes where it stopped."""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass

from advisor import space
from advisor.config import Config, TrialConfig
from advisor.cost.screening import valid_configs
from advisor.paths import cache_dir
from advisor.quiet import quiet_third_party
from advisor.study.workers import threads_per_worker
from advisor.training.trial import run_trial
from advisor.userfiles import write_text

DATASET = "fashion-mnist"


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


def measure_truth(model: str, task: str, configs: list[Config], seeds: int, epochs: int,
                  jobs: int) -> Truth:
    """Every (configuration, seed) run of the grid, from the cache or trained now by ``jobs``
    spawned processes (threads split between them); this process alone writes the cache, run
    by run, so a killed or crashed run loses only the runs in flight."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    path = cache_dir() / f"regret-v3-{model}-{task}-{DATASET}-e{epochs}.json"
    done: dict[str, dict] = json.loads(path.read_text()) if path.is_file() else {}
    trials = {(c, s): TrialConfig(**c.model_dump(), model=model, task=task, dataset=DATASET,
                                  epochs=epochs, seed=s) for c in configs for s in range(seeds)}
    todo = [t for t in trials.values() if t.key() not in done]
    if todo:  # pretrained here with every thread, not by one worker on its share of them
        from advisor.training.pretrain import source_model
        from advisor.training.tasks import load_task
        from advisor.zoo import resolve_model

        t = todo[0]
        source_model(resolve_model(model), load_task(t.task, t.dataset, t.resolution,
                                                     t.corruption, t.severity), t.weights)
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
            write_text(path, json.dumps(done))
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
