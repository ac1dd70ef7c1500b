"""Fake-tensor profiles of many configurations, across worker processes when there are many.

Why processes: one profile is a second or so of Python dispatching fake tensors through the
model, one core busy whatever torch's thread count; a new resolution or a user's own model
needs a few hundred of them, so the cores the process may use (threads.choose: the free ones)
each run a worker with one thread. Why not always: a worker is a fresh ``spawn`` process that
imports torch and builds the model first (a few seconds), which a handful of profiles does
not repay, and a daemonic process (a pool's worker) may not start children.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from advisor.config import Config

MIN_PARALLEL = 16  # profiles below which workers do not repay their start


def _start_worker(quiet: bool) -> None:
    """One torch thread; the third-party noise silenced where the parent process silenced
    it (an entry point's choice, quiet.py)."""
    os.environ["OMP_NUM_THREADS"] = os.environ["ADVISOR_THREADS"] = "1"
    if quiet:
        from advisor.quiet import quiet_third_party

        quiet_third_party()
    import torch

    torch.set_num_threads(1)


def _profile(model: str, config: Config, resolution: int, num_classes: int,
             passes: int) -> dict:
    from advisor.cost import profile_batch_scaled

    return profile_batch_scaled(model, config, resolution, num_classes,
                                passes).model_dump(mode="json")


def workers_for(jobs: int) -> int:
    """How many worker processes ``jobs`` profiles get here (1: this process does them)."""
    if jobs < MIN_PARALLEL or multiprocessing.current_process().daemon:
        return 1
    from advisor import threads

    return min(threads.choose(), jobs // (MIN_PARALLEL // 2))


def profiles(model: str, todo: dict[str, tuple[Config, int]], resolution: int,
             num_classes: int, workers: int) -> Iterator[tuple[str, Config, dict]]:
    """(key, configuration, batch-scaled cost as JSON) for each of ``todo`` (key ->
    (configuration, passes)), in the order they finish, made by ``workers`` processes
    (``workers_for``; 1: this one)."""
    if workers == 1:
        for key, (config, passes) in todo.items():
            yield key, config, _profile(model, config, resolution, num_classes, passes)
        return
    context = multiprocessing.get_context("spawn")
    from advisor import quiet

    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(quiet._requested,)) as pool:
        futures = {pool.submit(_profile, model, config, resolution, num_classes, passes):
                   (key, config) for key, (config, passes) in todo.items()}
        try:
            for future in as_completed(futures):
                key, config = futures[future]
                yield key, config, future.result()
        finally:  # a failure or an interrupt: what is still queued is not started
            for future in futures:
                future.cancel()
