"""Reading a study: which trials trained, which are in flight, what a trial's configuration
is, the task's size; on a small in-memory study, nothing trained."""

from types import SimpleNamespace

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from advisor.study import trials

DISTS = {"method": CategoricalDistribution(["lora", "head"]),
         "lr_scale": FloatDistribution(0.25, 4.0, log=True)}


def _done(method: str, lr: float, accuracy: float | None, state=TrialState.COMPLETE):
    """A finished trial; ``accuracy`` None: refused (completes without a result)."""
    attrs = {} if accuracy is None else {"result": {"accuracy_after": accuracy}}
    values = [accuracy or 0.0, 1.0] if state == TrialState.COMPLETE else None
    return optuna.trial.create_trial(state=state, params={"method": method, "lr_scale": lr},
                                     distributions=DISTS, values=values, user_attrs=attrs)


@pytest.fixture
def study():
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.add_trial(_done("lora", 1.0, 0.8))  # 0
    study.add_trial(_done("head", 1.0, None))  # 1: refused
    study.add_trial(_done("head", 1.0, None, TrialState.FAIL))  # 2
    study.add_trial(_done("head", 1.0, 0.7))  # 3
    study.enqueue_trial({"method": "lora", "lr_scale": 1.0}, user_attrs={"seed": 1})  # 4
    study.add_trial(optuna.trial.create_trial(state=TrialState.RUNNING))  # 5
    return study


def test_finished_trials_are_those_with_a_result_and_in_flight_those_not_over(study):
    now = trials.read(study)
    assert [t.number for t in now.finished] == [0, 3]
    assert now.results == [{"accuracy_after": 0.8}, {"accuracy_after": 0.7}]
    assert trials.completed_results(study) == now.results
    assert [(t.number, t.state) for t in now.in_flight] == [(4, TrialState.WAITING),
                                                            (5, TrialState.RUNNING)]


def test_a_queued_trial_claims_its_fixed_parameters_before_it_draws(study):
    waiting, running = trials.read(study).in_flight
    assert waiting.params == {}
    assert trials.claimed_params(waiting) == {"method": "lora", "lr_scale": 1.0}
    assert trials.claimed_params(running) == {}
    assert trials.claimed_params(study.trials[0]) == study.trials[0].params


def test_one_key_per_configuration_with_or_without_its_learning_rate():
    a = {"method": "lora", "lr_scale": 1.0, "log2_rank": 3}
    b = {"log2_rank": 3, "lr_scale": 2.0, "method": "lora"}
    assert trials.config_key(a) == (("log2_rank", 3), ("lr_scale", 1.0), ("method", "lora"))
    assert trials.config_key(a) != trials.config_key(b)
    assert trials.config_key(a, lr=False) == trials.config_key(b, lr=False)
    assert dict(trials.config_key(a)) == a  # a repeat is queued with these parameters


def test_the_task_size_is_recorded_once_and_read_back(monkeypatch):
    loads = []

    def load_task(task, dataset):
        loads.append((task, dataset))
        return SimpleNamespace(target=SimpleNamespace(train=range(359), num_classes=5))

    monkeypatch.setattr("advisor.training.tasks.load_task", load_task)
    study = optuna.create_study(directions=["maximize", "minimize"])
    assert trials.task_size(study, "unseen", "builtin") == (359, 5)
    assert not study.user_attrs  # reading never writes
    trials.record_task_size(study, "unseen", "builtin")
    trials.record_task_size(study, "unseen", "builtin")
    assert study.user_attrs == {"target_train_size": 359, "num_classes": 5}
    assert trials.task_size(study, "unseen", "builtin") == (359, 5)
    assert loads == [("unseen", "builtin")] * 2  # read once, recorded once, then stored


def test_a_queued_repeat_is_busy_so_no_other_worker_queues_it_again() -> None:
    """A trial queued with enqueue_trial has no params until a worker starts it; its claimed
    parameters still say which configuration it will run, so a second worker's repeat must
    pick another front-runner (or none)."""
    from advisor.study import repeats

    study = optuna.create_study(directions=["maximize", "minimize"])
    study.add_trial(_done("lora", 1.0, 0.9))
    assert repeats.queue_front_runner(study)  # lora is queued again (WAITING)
    assert not repeats.queue_front_runner(study)  # head has no result: nothing else to repeat
    waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    assert len(waiting) == 1
