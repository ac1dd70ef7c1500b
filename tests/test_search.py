"""The study: persistent, resumable, refuses impossible configs cheaply, survives crashes."""

import optuna
import pytest

from advisor import search as search_module
from advisor.errors import AdvisorError
from advisor.search import completed_results, open_study, search


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path / 'study.db'}"


def test_study_is_stored_and_resumable(storage):
    first = search("mobilenetv3", "unseen", trials=2, storage=storage, epochs=1)
    assert len(first.trials) == 2
    again = search("mobilenetv3", "unseen", trials=1, storage=storage, epochs=1)
    assert len(again.trials) == 3  # extended, not restarted
    reopened = open_study("mobilenet_v3_small", "unseen", storage, epochs=1, create=False)
    assert len(reopened.trials) == 3
    assert reopened.user_attrs["target_train_size"] == 359
    for result in completed_results(reopened):  # every trial's accuracy and measured cost kept
        assert 0 <= result["accuracy_after"] <= 1 and result["cost"]["memory"]["peak_bytes"] > 0


def test_a_crashing_trial_does_not_lose_the_others(storage, monkeypatch):
    from advisor import trial as trial_module

    real = trial_module.run_trial
    calls = []

    def flaky(config, **kw):
        calls.append(config)
        if len(calls) == 1:
            raise RuntimeError("simulated crash in one trial")
        return real(config, **kw)

    monkeypatch.setattr(trial_module, "run_trial", flaky)
    study = search("mobilenetv3", "unseen", trials=3, storage=storage, epochs=1)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.FAIL in states
    assert sum(s == optuna.trial.TrialState.COMPLETE for s in states) >= 1


def test_refused_combination_costs_no_training(storage, monkeypatch):
    study = open_study("mobilenet_v3_small", "unseen", storage, epochs=1)
    study.enqueue_trial({"method": "lora", "log2_rank": 3, "targets": "all", "lr_scale": 1.0})
    monkeypatch.setattr("advisor.trial.run_trial",
                        lambda *a, **k: pytest.fail("trained a refused configuration"))
    search("mobilenet_v3_small", "unseen", trials=1, storage=storage, epochs=1)
    trial = study.trials[-1]
    assert "groups" in trial.user_attrs["refused"]
    assert completed_results(study) == []


def test_bad_storage_and_missing_study_are_user_errors(tmp_path):
    with pytest.raises(AdvisorError):
        open_study("mobilenet_v3_small", "unseen", "nosuchdb://x")
    with pytest.raises(AdvisorError, match="no study"):
        open_study("mobilenet_v3_small", "unseen", f"sqlite:///{tmp_path / 'empty.db'}",
                   create=False)
    with pytest.raises(AdvisorError):
        search_module.search(trials=0)


def test_a_user_error_stops_the_search_at_once(storage):
    """A dataset that does not exist is the user's mistake, not a trial fault: the search ends
    with that one line after one trial instead of failing every trial."""
    with pytest.raises(AdvisorError, match="image folder not found"):
        search("mobilenetv3", "unseen", trials=4, storage=storage, epochs=1,
               dataset="imagefolder:/nonexistent")
    study = open_study("mobilenet_v3_small", "unseen", storage, epochs=1,
                       dataset="imagefolder:/nonexistent", create=False)
    assert len(study.trials) <= 1


def test_a_trial_fault_keeps_its_reason(storage, monkeypatch):
    def crash(config, **kw):
        raise RuntimeError("simulated kernel fault")

    monkeypatch.setattr("advisor.trial.run_trial", crash)
    study = search("mobilenetv3", "unseen", trials=2, storage=storage, epochs=1)
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed and all("simulated kernel fault" in t.user_attrs["error"] for t in failed)


def test_reading_a_study_does_not_write_it(storage):
    search("mobilenetv3", "unseen", trials=1, storage=storage, epochs=1)
    before = open_study("mobilenet_v3_small", "unseen", storage, epochs=1, create=False)
    attrs, trials = dict(before.user_attrs), len(before.trials)
    again = open_study("mobilenet_v3_small", "unseen", storage, epochs=1, create=False)
    assert dict(again.user_attrs) == attrs and len(again.trials) == trials


def test_refusals_keep_their_reason():
    from advisor.config import Config
    from advisor.costcache import screen

    refused = Config(method="lora", rank=8, targets="all")
    verdicts = screen("mobilenet_v3_small", [refused, Config(method="head")])
    assert verdicts[Config(method="head")] is None
    assert "groups" in verdicts[refused] and "no-depthwise" in verdicts[refused]
