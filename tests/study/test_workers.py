"""Many workers on one study: every trial number once, no draw repeated, nothing lost when a
worker is killed, the same draws for the same seed in one process."""

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
from fake_trials import fake_result

from advisor.study.dead_workers import fail_dead_workers, worker_mark
from advisor.study.repeats import seed_of
from advisor.study.search import open_study, search
from advisor.study.trials import completed_results
from advisor.study.workers import shares

State = optuna.trial.TrialState


def test_shares_add_up_to_the_trials_asked_for():
    assert shares(5, 2) == [3, 2]
    assert shares(2, 4) == [1, 1]
    assert sum(shares(24, 7)) == 24 and max(shares(24, 7)) - min(shares(24, 7)) <= 1


def _draws(study):
    return _draws_of(study.trials)


@pytest.mark.slow
def test_jobs_share_one_journal_without_losing_or_repeating_a_trial(tmp_path):
    journal = str(tmp_path / "studies.journal")
    study = search("mobilenetv3", "unseen", trials=3, storage=journal, epochs=1, jobs=2)
    study = open_study("mobilenetv3", "unseen", journal, epochs=1, create=False)
    assert sorted(t.number for t in study.trials) == [0, 1, 2]
    assert all(t.state == State.COMPLETE for t in study.trials)
    assert len(set(_draws(study))) == 3
    assert len({t.user_attrs["worker"]["pid"] for t in study.trials}) == 2
    assert os.getpid() not in {t.user_attrs["worker"]["pid"] for t in study.trials}


@pytest.mark.slow
def test_the_same_seed_draws_and_measures_the_same_in_one_process(tmp_path, monkeypatch):
    """Four trials: the three baselines (whatever the seed), then the seed's opening."""
    runs = [search("mobilenetv3", "unseen", trials=4, storage=str(tmp_path / f"{i}.journal"),
                   epochs=1, seed=7) for i in range(2)]
    assert _draws(runs[0]) == _draws(runs[1])
    accuracies = [[r["accuracy_after"] for r in completed_results(s)] for s in runs]
    assert accuracies[0] == accuracies[1]
    # Another seed's draws: what its trials measure is not asked here, so none trains.
    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    other = search("mobilenetv3", "unseen", trials=4, storage=str(tmp_path / "o.journal"),
                   epochs=1, seed=8)
    assert _draws(other)[:3] == _draws(runs[0])[:3]
    assert _draws(other)[3:] != _draws(runs[0])[3:]


def test_a_dead_workers_running_trial_is_failed_and_queued_once(tmp_path):
    journal = str(tmp_path / "studies.journal")
    study = open_study("mobilenetv3", "unseen", journal, epochs=1)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    alive = study.ask({"lr_scale": optuna.distributions.FloatDistribution(0.25, 4, log=True)})
    alive.set_user_attr("worker", worker_mark(alive.number))  # this process: left alone
    dead = study.ask({"lr_scale": optuna.distributions.FloatDistribution(0.25, 4, log=True)})
    dead.set_user_attr("worker", {**worker_mark(dead.number), "pid": int(gone.stdout)})
    assert fail_dead_workers(study) == 1
    states = {t.number: t.state for t in study.trials}
    assert states == {0: State.RUNNING, 1: State.FAIL, 2: State.WAITING}
    assert study.trials[2].params == study.trials[1].params
    assert fail_dead_workers(study) == 0  # once
    assert "worker" in study.trials[2].user_attrs  # inherited from the dead trial: not its own


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_worker_killed_mid_trial_loses_nothing_and_the_rerun_goes_on(tmp_path):
    """SIGKILL during a trial: finished trials stay; the rerun fails the killed trial, runs
    its configuration once more, then continues the search with new draws."""
    journal = str(tmp_path / "studies.journal")
    env = {**os.environ, "ADVISOR_NO_PROGRESS": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "advisor", "search", "--trials", "8",
                               "--epochs", "1", "--storage", journal], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not os.path.exists(journal):
                continue
            trials = open_study("mobilenetv3", "unseen", journal, epochs=1,
                                create=False).trials
            finished = sum(t.state == State.COMPLETE for t in trials)
            last = trials[-1] if trials else None
            if finished >= 2 and last.state == State.RUNNING and "worker" in last.user_attrs:
                break
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait()
    before = open_study("mobilenetv3", "unseen", journal, epochs=1, create=False)
    done = [t for t in before.trials if t.state == State.COMPLETE]
    killed = [t for t in before.trials if t.state == State.RUNNING]
    assert len(done) >= 2 and len(killed) == 1

    after = search("mobilenetv3", "unseen", trials=2, storage=journal, epochs=1)
    by_state = {s: [t for t in after.trials if t.state == s] for s in State}
    assert not by_state[State.RUNNING] and not by_state[State.WAITING]
    assert [t.number for t in by_state[State.FAIL]] == [killed[0].number]
    assert len(by_state[State.COMPLETE]) == len(done) + 2
    retried = [t for t in by_state[State.COMPLETE]
               if t.system_attrs.get("failed_trial") == killed[0].number]
    assert len(retried) == 1 and retried[0].params == killed[0].params
    complete = _draws_of(by_state[State.COMPLETE])
    assert len(set(complete)) == len(complete)  # no configuration run twice with one seed


def _draws_of(trials):
    """What a trial ran: its parameters and its seed (a repeat has the same parameters)."""
    return [(tuple(sorted(t.params.items())), seed_of(t)) for t in trials]
