"""Several worker processes on one host sharing one search.

Each worker is a fresh process (``spawn``: no forked torch or storage state) that opens the
study and runs its share of the trials; the shares add up to exactly the trials asked for.
The study's storage keeps them apart (trial numbers are handed out by the storage, draws are
seeded per trial number), so no trial is lost or run twice by accident. CPU threads are split
between the workers: on a host with fewer cores than workers, they take turns, and the trials
per minute stop growing (benchmarks/workers.py measures it).

A worker that dies (killed, out of memory) loses only its running trial, which the next
search fails and retries (dead_workers.py); the other workers go on. A user error in a worker
(a bad dataset path) stops the search with that worker's one line.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable

import optuna

from advisor.errors import AdvisorError

_POLL_SECONDS = 0.5


def shares(trials: int, jobs: int) -> list[int]:
    """``trials`` split over ``jobs`` workers as evenly as possible (no empty share)."""
    return [n for i in range(jobs) if (n := trials // jobs + (i < trials % jobs))]


def threads_per_worker(jobs: int) -> int:
    """The threads this process may use (threads.py's choice, else every core), shared."""
    given = os.environ.get("OMP_NUM_THREADS", "")
    total = int(given) if given.isdigit() and int(given) > 0 else (os.cpu_count() or 1)
    return max(1, total // jobs)


Share = Callable[[dict, int, Callable[[optuna.Study, optuna.trial.FrozenTrial], None]], None]


def run_parallel(share: Share, study_args: dict, trials: int, jobs: int,
                 show_progress: bool) -> None:
    """Run ``trials`` trials of the study named by ``study_args`` (``open_study``'s arguments)
    in ``jobs`` processes, each calling ``share(study_args, its_trials, after_each_trial)``
    (a module-level function: the spawned process imports it by name); returns when all have
    ended."""
    from advisor import progress

    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    processes = [context.Process(target=_work, name=f"advisor-worker-{i}", daemon=False,
                                 args=(share, study_args, n, threads_per_worker(jobs), messages))
                 for i, n in enumerate(shares(trials, jobs))]
    errors: list[str] = []
    try:
        for process in processes:
            process.start()
        with progress.progress_bar(trials, f"trials ({len(processes)} workers)") as advance:
            while any(p.is_alive() for p in processes) or not messages.empty():
                try:
                    kind, text = messages.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    continue
                if kind == "trial":
                    advance()
                else:  # a user error: every other worker would meet it too
                    errors.append(text)
                    _stop(processes)
    except KeyboardInterrupt:
        _stop(processes)
        raise
    for process in processes:
        process.join()
    if errors:
        raise AdvisorError(errors[0])
    died = [p for p in processes if p.exitcode not in (0, None)]
    if died:
        progress.note(f"{len(died)} worker(s) died (exit {died[0].exitcode}); their finished "
                      "trials are kept and the next search retries their running ones")


def _stop(processes: list[multiprocessing.Process]) -> None:
    """Interrupt every worker: each fails its running trial (Optuna records it) and exits.
    A Ctrl-C at the terminal has reached them already; they get a moment to finish first."""
    deadline = time.monotonic() + 5
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGINT)
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()


def _work(share: Share, study_args: dict, trials: int, threads: int,
          messages: multiprocessing.Queue) -> None:
    """One worker process."""
    import torch

    from advisor.quiet import quiet_third_party

    quiet_third_party()
    torch.set_num_threads(threads)
    try:
        share(study_args, trials, lambda _s, t: messages.put(("trial", t.number)))
    except AdvisorError as exc:
        messages.put(("error", str(exc)))
    except KeyboardInterrupt:
        pass
