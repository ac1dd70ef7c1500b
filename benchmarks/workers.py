"""Many workers on one study: trials per minute, and a kill-and-resume run.

    python benchmarks/workers.py [--trials 12] [--workers 1,2,4] [--no-postgres] [--no-kill]

Throughput: for each worker count W, ``advisor search --trials N --jobs W`` runs as a whole
process on a fresh journal (the pretrained weights are cached first, so no run pays for
pretraining). Two rates are printed: of the whole command (process start, imports and worker
start-up included) and of the trials themselves (N over the span from the first trial's start
to the last one's end, from the study's own timestamps). Then 2 worker processes against a
PostgreSQL server started on loopback (Debian's package; tests/postgres_server.py).

Kill-and-resume: ``advisor search --trials 8 --jobs 2``; once 3 trials are complete, the
worker running a trial is killed with SIGKILL; the counts of trials per state are printed
after the command ends and again after the same command with ``--trials 4`` resumed it,
with a check that no configuration completed twice.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the loopback PostgreSQL helper the tests use

MODEL, TASK = "mobilenet_v3_small", "unseen"


def _search(storage: str, trials: int, jobs: int) -> subprocess.Popen:
    env = {**os.environ, "ADVISOR_NO_PROGRESS": "1"}
    return subprocess.Popen([sys.executable, "-m", "advisor", "search", "--model", MODEL,
                             "--task", TASK, "--trials", str(trials), "--jobs", str(jobs),
                             "--storage", storage], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _study(storage: str):
    from advisor.study.search import open_study

    return open_study(MODEL, TASK, storage, create=False)


def throughput(storage: str, trials: int, jobs: int) -> tuple[float, float]:
    """(trials/min of the whole command, trials/min of the trials' own span)."""
    started = time.perf_counter()
    process = _search(storage, trials, jobs)
    _, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"search failed: {err.strip()}")
    done = [t for t in _study(storage).trials if t.datetime_complete is not None]
    span = (max(t.datetime_complete for t in done)
            - min(t.datetime_start for t in done)).total_seconds()
    return trials / wall * 60, len(done) / span * 60


def _states(storage: str) -> Counter:
    return Counter(t.state.name for t in _study(storage).trials)


def kill_and_resume(storage: str) -> None:
    from optuna.trial import TrialState

    from advisor.study.repeats import seed_of
    from advisor.study.trials import config_key

    process = _search(storage, 8, 2)
    victim = None
    while victim is None and process.poll() is None:
        time.sleep(0.5)
        if not Path(storage).exists():
            continue
        trials = _study(storage).trials
        running = [t for t in trials if t.state == TrialState.RUNNING
                   and t.user_attrs.get("worker", {}).get("trial") == t.number]
        if sum(t.state == TrialState.COMPLETE for t in trials) >= 3 and running:
            victim = running[0]
            os.kill(victim.user_attrs["worker"]["pid"], signal.SIGKILL)
    _, err = process.communicate()
    if victim is None:
        raise SystemExit("the search ended before a worker could be killed")
    print(f"killed worker pid {victim.user_attrs['worker']['pid']} during trial "
          f"{victim.number}; the command exited {process.returncode}: {err.strip()}")
    print(f"  after the kill:   {dict(_states(storage))}")
    process = _search(storage, 4, 2)
    _, err = process.communicate()
    study = _study(storage)
    print(f"  after the resume: {dict(_states(storage))} (command exited {process.returncode})")
    complete = [(config_key(t.params), seed_of(t)) for t in study.trials
                if t.state == TrialState.COMPLETE]
    retried = [t.number for t in study.trials
               if t.system_attrs.get("failed_trial") == victim.number]
    print(f"  trial {victim.number} retried as {retried}; configurations completed twice "
          "with the same seed: "
          f"{len(complete) - len(set(complete))}; trial numbers unique: "
          f"{len({t.number for t in study.trials}) == len(study.trials)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()

    from advisor.quiet import quiet_third_party
    from advisor.training.pretrain import source_model
    from advisor.training.tasks import load_task
    from advisor.zoo import resolve_model

    quiet_third_party()
    source_model(resolve_model(MODEL), load_task(TASK))  # cached before any timing
    print(f"{os.cpu_count()} CPU cores; {args.trials} trials of {MODEL} on '{TASK}' per run")
    print(f"{'storage':<11} {'workers':>7} {'trials/min (command)':>21} "
          f"{'trials/min (trials)':>20}")
    with tempfile.TemporaryDirectory() as folder:
        for jobs in (int(w) for w in args.workers.split(",")):
            rates = throughput(f"{folder}/w{jobs}.journal", args.trials, jobs)
            print(f"{'journal':<11} {jobs:>7} {rates[0]:>21.1f} {rates[1]:>20.1f}")
        if not args.no_postgres:
            from postgres_server import postgres

            with postgres() as url:
                rates = throughput(url, args.trials, 2)
                print(f"{'postgresql':<11} {2:>7} {rates[0]:>21.1f} {rates[1]:>20.1f}")
        if not args.no_kill:
            print("\nkill and resume (journal, --jobs 2):")
            kill_and_resume(f"{folder}/kill.journal")


if __name__ == "__main__":
    main()
