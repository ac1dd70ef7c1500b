"""Trials whose worker process died, on this host, without a heartbeat to say so.

Optuna's journal storage has no heartbeat, so a worker killed mid-trial (SIGKILL, the OOM
killer, a closed laptop) would leave its trial RUNNING forever. Every trial records its
worker process (host, pid, process start time, so a reused pid is not mistaken for it); a
search first fails the RUNNING trials of this host's dead workers and queues each once more,
as Optuna's heartbeat callback does on a database. On a database this also spares waiting for
the heartbeat's grace period when the dead worker was on this host.
"""

from __future__ import annotations

import os
import socket

import optuna
import psutil
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState


def worker_mark(trial_number: int) -> dict:
    """Who runs a trial: enough to tell later, on this host, whether that process is gone.
    The trial's number is part of it: a retried trial inherits its failed original's user
    attributes, and the dead worker's mark on it must not fail the retry before it runs."""
    return {"trial": trial_number, "host": socket.gethostname(), "pid": os.getpid(),
            "started": psutil.Process().create_time()}


def _dead(mark: dict) -> bool:
    if mark.get("host") != socket.gethostname():
        return False  # another host's worker: only a database heartbeat can tell
    try:
        process = psutil.Process(mark["pid"])
        return (process.create_time() != mark["started"]
                or process.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def fail_dead_workers(study: optuna.Study) -> int:
    """Fail the RUNNING trials of this host's dead worker processes and queue each once more
    (as Optuna's heartbeat does); returns how many were failed."""
    failed = 0
    retry = RetryHeartbeatStaleTrialCallback(max_retry=1)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        mark = trial.user_attrs.get("worker")
        if not isinstance(mark, dict) or mark.get("trial") != trial.number or not _dead(mark):
            continue
        try:
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue  # another worker got there first
        failed += 1
        retry(study, study._storage.get_trial(trial._trial_id))
    return failed
