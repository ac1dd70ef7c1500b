"""Reading a study's trials, in one place, so that the search, its draws, its repeats and the
recommender agree on which trials count: those that trained (a refused or failed trial has
no result), those still in flight (running, or queued and not started), what a trial's
configuration is, and the size of the task the study fine-tunes on."""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.trial import FrozenTrial, TrialState

IN_FLIGHT = (TrialState.RUNNING, TrialState.WAITING)


@dataclass(frozen=True)
class Trials:
    """One read of a study's trials, both lists in trial order (the surrogate is fitted in
    it, and a repeat's front-runner is the first of equals in it)."""

    finished: list[FrozenTrial]  # completed with a result: trained and measured
    in_flight: list[FrozenTrial]  # running, or queued (a repeat, a retry) and not started

    @property
    def results(self) -> list[dict]:
        """The TrialResult documents of the finished trials."""
        return [t.user_attrs["result"] for t in self.finished]


def finished(trial: FrozenTrial) -> bool:
    """Whether the trial trained: a refused configuration completes too, without a result."""
    return trial.state == TrialState.COMPLETE and "result" in trial.user_attrs


def read(study: optuna.Study) -> Trials:
    """The study's trials, read once (parallel workers change them between two reads)."""
    done, in_flight = [], []
    for t in study.get_trials(deepcopy=False):
        if finished(t):
            done.append(t)
        elif t.state in IN_FLIGHT:
            in_flight.append(t)
    return Trials(done, in_flight)


def completed_results(study: optuna.Study) -> list[dict]:
    """The TrialResult documents of every trial that trained (refused/failed ones excluded)."""
    return read(study).results


def claimed_params(trial: FrozenTrial) -> dict:
    """The parameters a trial will run: a queued one has them fixed before it draws any."""
    return trial.system_attrs.get("fixed_params", trial.params)


def config_key(params: dict, lr: bool = True) -> tuple:
    """Trial parameters as a key: equal keys, the same configuration. ``lr=False``: at
    whatever learning rate (what a draw must not repeat; a repeat keeps the rate too)."""
    return tuple(sorted((k, v) for k, v in params.items() if lr or k != "lr_scale"))


def task_size(study: optuna.Study, task: str, dataset: str) -> tuple[int, int]:
    """(target training samples, classes): as the search recorded them, else measured by
    loading the task (a study made by other means), without writing to the study."""
    attrs = study.user_attrs
    if "target_train_size" in attrs:
        return attrs["target_train_size"], attrs["num_classes"]
    from advisor.training.tasks import load_task

    data = load_task(task, dataset)
    return len(data.target.train), data.target.num_classes


def record_task_size(study: optuna.Study, task: str, dataset: str) -> None:
    """So that recommend needs no data loading."""
    if "target_train_size" not in study.user_attrs:
        samples, num_classes = task_size(study, task, dataset)
        study.set_user_attr("target_train_size", samples)
        study.set_user_attr("num_classes", num_classes)
