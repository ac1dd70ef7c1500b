"""The study: persistent, resumable, refuses impossible configs cheaply, survives crashes."""

import optuna
import pytest
from fake_trials import fake_result

from advisor.config import TrialConfig
from advisor.errors import AdvisorError
from advisor.study import search as search_module
from advisor.study.search import open_study, search
from advisor.study.trials import completed_results


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_crashing_trial_does_not_lose_the_others(storage, monkeypatch):
    from advisor.training import trial as trial_module

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
    monkeypatch.setattr("advisor.training.trial.run_trial",
                        lambda *a, **k: pytest.fail("trained a refused configuration"))
    search("mobilenet_v3_small", "unseen", trials=1, storage=storage, epochs=1)
    trial = study.trials[-1]
    assert "groups" in trial.user_attrs["refused"]
    assert completed_results(study) == []


def test_off_a_terminal_each_finished_trial_is_a_line(storage, monkeypatch, capsys):
    study = open_study("mobilenet_v3_small", "unseen", storage, epochs=1)
    study.enqueue_trial({"method": "lora", "log2_rank": 3, "targets": "all", "lr_scale": 1.0})
    monkeypatch.setattr("advisor.training.trial.run_trial",
                        lambda *a, **k: pytest.fail("trained a refused configuration"))
    search_module.run_trials(study, 1, show_progress=False)
    err = capsys.readouterr().err
    assert "trial 1/1 (#0): refused: lora rank 8 cannot adapt" in " ".join(err.split())


def test_bad_storage_and_missing_study_are_user_errors(tmp_path):
    with pytest.raises(AdvisorError):
        open_study("mobilenet_v3_small", "unseen", "nosuchdb://x")
    with pytest.raises(AdvisorError, match="no study"):
        open_study("mobilenet_v3_small", "unseen", f"sqlite:///{tmp_path / 'empty.db'}",
                   create=False)
    with pytest.raises(AdvisorError):
        search_module.search(trials=0)


@pytest.mark.slow
def test_a_user_error_stops_the_search_at_once(storage, tmp_path):
    """A dataset that cannot be read is the user's mistake, not a trial fault: the search ends
    with that one line instead of failing every trial, and (since the checked image reader)
    before any study is made for it, as a folder that is not there is."""
    empty = tmp_path / "no-classes"
    empty.mkdir()
    with pytest.raises(AdvisorError, match="not an ImageFolder tree"):
        search("mobilenetv3", "unseen", trials=4, storage=storage, epochs=1,
               dataset=f"imagefolder:{empty}")
    with pytest.raises(AdvisorError, match="no study"):  # not even one trial was recorded
        open_study("mobilenet_v3_small", "unseen", storage, epochs=1,
                   dataset=f"imagefolder:{empty}", create=False)
    with pytest.raises(AdvisorError, match="dataset folder not found"):
        search("mobilenetv3", "unseen", trials=4, storage=storage, epochs=1,
               dataset="imagefolder:/nonexistent")
    with pytest.raises(AdvisorError, match="no study"):
        open_study("mobilenet_v3_small", "unseen", storage, epochs=1,
                   dataset="imagefolder:/nonexistent", create=False)


def test_a_trial_fault_keeps_its_reason(storage, monkeypatch):
    def crash(config, **kw):
        raise RuntimeError("simulated kernel fault")

    monkeypatch.setattr("advisor.training.trial.run_trial", crash)
    study = search("mobilenetv3", "unseen", trials=2, storage=storage, epochs=1)
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed and all("simulated kernel fault" in t.user_attrs["error"] for t in failed)


@pytest.mark.slow
def test_reading_a_study_does_not_write_it(storage):
    search("mobilenetv3", "unseen", trials=1, storage=storage, epochs=1)
    before = open_study("mobilenet_v3_small", "unseen", storage, epochs=1, create=False)
    attrs, trials = dict(before.user_attrs), len(before.trials)
    again = open_study("mobilenet_v3_small", "unseen", storage, epochs=1, create=False)
    assert dict(again.user_attrs) == attrs and len(again.trials) == trials


def test_refusals_keep_their_reason():
    from advisor.config import Config
    from advisor.cost.screening import screen

    refused = Config(method="lora", rank=8, targets="all")
    verdicts = screen("mobilenet_v3_small", [refused, Config(method="head")])
    assert verdicts[Config(method="head")] is None
    assert "groups" in verdicts[refused] and "no-depthwise" in verdicts[refused]


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")  # the dead worker asked by hand
def test_a_dead_workers_trial_is_failed_and_retried_and_a_rerun_draws_anew(storage,
                                                                          monkeypatch):
    """A worker killed mid-trial leaves a RUNNING trial: the heartbeat marks it failed and
    queues its configuration once more; the rerun's sampler does not replay the first run."""
    import time

    from advisor.study import storage as study_storage

    monkeypatch.setattr(study_storage, "HEARTBEAT_SECONDS", 1)
    monkeypatch.setattr(study_storage, "GRACE_SECONDS", 1)
    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    first = search("mobilenetv3", "unseen", trials=3, storage=storage, epochs=1)
    dead = first.ask()  # a worker that was killed: a RUNNING trial, no more heartbeats
    first._storage.record_heartbeat(dead._trial_id)
    time.sleep(2.5)
    again = search("mobilenetv3", "unseen", trials=3, storage=storage, epochs=1)
    states = {s: sum(t.state == s for t in again.trials) for s in optuna.trial.TrialState}
    assert states[optuna.trial.TrialState.RUNNING] == 0
    assert states[optuna.trial.TrialState.FAIL] == 1
    assert states[optuna.trial.TrialState.COMPLETE] == 6
    drawn = [tuple(sorted(t.params.items())) for t in again.trials
             if t.state == optuna.trial.TrialState.COMPLETE]
    assert drawn[3:] != drawn[:3]  # the rerun continued the search instead of replaying it


@pytest.mark.slow
def test_a_study_of_another_task_is_not_mixed(storage):
    search("mobilenetv3", "unseen", trials=1, storage=storage, epochs=1, name="mine")
    with pytest.raises(AdvisorError, match="holds trials of task unseen"):
        open_study("mobilenetv3", "shift", storage, name="mine", epochs=1, create=False)


@pytest.mark.slow
def test_front_runners_are_run_again_under_new_seeds(storage, monkeypatch):
    """From the thirteenth trial on, one trial in four re-runs the most accurate configuration
    that has fewer than 3 trials, with a seed it has not had, and so do the last two trials of
    the search; nothing is left queued."""
    from advisor.study import repeats

    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    study = search("mobilenetv3", "unseen", trials=20, storage=storage, epochs=1)
    assert len(study.trials) == 20
    assert not [t for t in study.trials if t.state == optuna.trial.TrialState.WAITING]
    groups: dict = {}
    for t in study.trials:
        if t.state == optuna.trial.TrialState.COMPLETE and "result" in t.user_attrs:
            groups.setdefault(tuple(sorted(t.params.items())), []).append(t)
    repeated = [ts for ts in groups.values() if len(ts) > 1]
    assert [t.number for t in study.trials if "seed" in t.user_attrs] == [15, 18, 19]
    assert repeated and all(len(ts) <= repeats.SEEDS for ts in groups.values())
    for ts in repeated:
        seeds = [t.user_attrs["result"]["config"]["seed"] for t in ts]
        assert len(set(seeds)) == len(seeds)
        assert seeds == [repeats.seed_of(t) for t in ts]


@pytest.mark.slow
def test_a_short_search_confirms_at_most_a_quarter_of_its_trials(storage, monkeypatch):
    """Nothing is repeated in the opening (twelve trials), and a search extended a few trials
    at a time keeps exploring: three more confirm nothing; of the next four, the last
    confirms the front-runner (and the first is the periodic repeat)."""
    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    for trials in (12, 3):
        study = search("mobilenetv3", "unseen", trials=trials, storage=storage, epochs=1)
        assert not [t for t in study.trials if "seed" in t.user_attrs]
    study = search("mobilenetv3", "unseen", trials=4, storage=storage, epochs=1)
    assert [t.number for t in study.trials if "seed" in t.user_attrs] == [15, 18]


def test_the_search_opens_with_the_baselines_then_distinct_configurations_of_the_grid(
        storage, monkeypatch):
    """Trials 0-2 run the baselines (full, LoRA r8, head-only at all blocks), trial
    k < draws.RANDOM then entry k of the seeded permutation of the rest of the candidate grid
    (opening.py), the later ones the untried candidates the surrogate rates highest
    (draws.py), all at the method's default learning rate: no configuration is drawn twice
    (but by a repeat), and none is outside what the recommender ranks."""
    from advisor.cost.screening import valid_configs
    from advisor.space import BASELINES, grid, trial_params
    from advisor.study import next_candidate as draws
    from advisor.study.opening import opening

    candidates = valid_configs("mobilenet_v3_small", grid("mobilenet_v3_small"))
    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    study = search("mobilenetv3", "unseen", trials=draws.RANDOM + 5, storage=storage, epochs=1)
    order = opening("mobilenet_v3_small", 0, candidates)
    baselines = [trial_params(b, "mobilenet_v3_small")[0] for b in BASELINES.values()]
    assert not [b for b in baselines if b in order]
    drawn = [t for t in study.trials if "seed" not in t.user_attrs]  # not a repeat
    assert len(drawn) >= draws.RANDOM + 2
    assert [t.params for t in drawn if t.number < 3] == baselines
    assert [t.params for t in drawn if 3 <= t.number < draws.RANDOM] == \
        order[3:draws.RANDOM]
    chosen = [t.params for t in drawn if t.number >= draws.RANDOM]
    assert chosen and all(params in order + baselines for params in chosen)
    assert len({tuple(sorted(t.params.items())) for t in drawn}) == len(drawn)
    assert {t.params["lr_scale"] for t in drawn} == {1.0}
    assert order != opening("mobilenet_v3_small", 1, candidates)


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")  # study.ask() by hand
def test_after_the_opening_the_surrogate_chooses_and_workers_do_not_collide(storage,
                                                                            monkeypatch):
    """The draw after the opening is the untried candidate the surrogate fitted to the
    finished trials predicts best; a candidate another worker is running is skipped, and a
    worker that started earlier but has not drawn yet is left the best one."""
    from advisor.accuracy.surrogate import AccuracySurrogate
    from advisor.config import Config
    from advisor.space import trial_params
    from advisor.study.next_candidate import guided_params

    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    study = search("mobilenetv3", "unseen", trials=8, storage=storage, epochs=1)
    candidates = [Config(method=m, rank=r, targets="no-depthwise")
                  for m in ("lora", "dora") for r in (1, 4, 16, 32)] + [Config(method="head")]
    surrogate = AccuracySurrogate().fit([t.user_attrs["result"] for t in study.trials])
    untried = [c for c in candidates if c.evidence_config() not in surrogate.tried]
    estimates = surrogate.estimate(untried)
    best, second = sorted(untried, key=lambda c: (-estimates[c.evidence_config()].accuracy,
                                                  c.key()))[:2]
    params = {c: trial_params(c, "mobilenet_v3_small")[0] for c in (best, second)}

    def draw() -> dict | None:
        trial = study.ask()  # RUNNING, its parameters not drawn yet
        return guided_params(study, study._storage.get_trial(trial._trial_id),
                             "mobilenet_v3_small", candidates)

    assert draw() == params[best]  # that worker has not claimed it yet: the next skips it
    assert draw() == params[second]
    for trial in study.trials:  # the two workers give up; a third runs the best (a repeat)
        if trial.state == optuna.trial.TrialState.RUNNING:
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    running = study.ask()
    study._storage.set_trial_system_attr(running._trial_id, "fixed_params", params[best])
    assert draw() == params[second]


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")  # study.ask() by hand
def test_told_its_devices_the_surrogate_draws_what_could_raise_a_devices_answer(storage,
                                                                              monkeypatch):
    """With a device that fits only the surrogate's second choice, that one is drawn: the
    best prediction would raise no answer here (device_gain.py). run_trials hands its
    devices to the study's draws."""
    from advisor.accuracy.surrogate import AccuracySurrogate
    from advisor.config import Config
    from advisor.space import trial_params
    from advisor.study.next_candidate import guided_params

    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    study = search("mobilenetv3", "unseen", trials=8, storage=storage, epochs=1)
    candidates = [Config(method=m, rank=r, targets="no-depthwise")
                  for m in ("lora", "dora") for r in (1, 4, 16, 32)]
    surrogate = AccuracySurrogate().fit([t.user_attrs["result"] for t in study.trials])
    untried = [c for c in candidates if c.evidence_config() not in surrogate.tried]
    estimates = surrogate.estimate(untried)
    best, second = sorted(untried, key=lambda c: (-estimates[c.evidence_config()].accuracy,
                                                  c.key()))[:2]
    device = {second.evidence_config()}.__contains__
    trial = study.ask()
    drawn = guided_params(study, study._storage.get_trial(trial._trial_id),
                          "mobilenet_v3_small", candidates, [device])
    assert drawn == trial_params(second, "mobilenet_v3_small")[0]
    assert guided_params(study, study._storage.get_trial(trial._trial_id),
                         "mobilenet_v3_small", candidates) == \
        trial_params(best, "mobilenet_v3_small")[0]
    study.tell(trial.number, state=optuna.trial.TrialState.FAIL)

    search_module.run_trials(study, 1, targets=[device])
    assert study.sampler.fixed.targets == [device]


def test_a_study_extended_later_measures_its_untried_baselines_first(storage, monkeypatch):
    """A study made without them (older than the rule, or seeded with a benchmark's results)
    runs the baselines it lacks before its surrogate chooses anything, each once."""
    import json
    from pathlib import Path

    from advisor.space import BASELINES
    from advisor.study.search import seed_study

    recorded = json.loads((Path(__file__).parents[1] / "data"
                           / "mobilenet_v3_small-unseen-e4-results.json").read_text())
    lacking = [BASELINES["full fine-tuning"], BASELINES["head only"]]
    kept = [r for r in recorded if all(
        TrialConfig.model_validate(r["config"]).as_config().evidence_config()
        != b.evidence_config() for b in lacking)]
    assert len(kept) < len(recorded)
    seed_study(kept, storage)
    monkeypatch.setattr("advisor.training.trial.run_trial", fake_result)
    study = search("mobilenetv3", "unseen", trials=3, storage=storage, epochs=4)
    new = [TrialConfig.model_validate(t.user_attrs["result"]["config"]).as_config()
           .evidence_config() for t in study.trials[len(kept):]]
    assert new[:2] == [b.evidence_config() for b in lacking]
    assert new[2] not in new[:2]


def test_a_study_with_the_program_optimizer_is_its_own_and_draws_what_a_program_runs(
        storage, monkeypatch):
    from advisor.study.next_candidate import model_grid

    seen = []
    monkeypatch.setattr("advisor.training.trial.run_trial",
                        lambda config, **kw: seen.append(config) or fake_result(config))
    study = search("mobilenet_v3_small", "unseen", trials=4, storage=storage, epochs=1,
                   optimizer="sgd")
    assert study.study_name.endswith(":e1:sgd") and study.user_attrs["optimizer"] == "sgd"
    assert len(seen) == 4 and {c.optimizer for c in seen} == {"sgd"}
    program = {c.method for c in model_grid("mobilenet_v3_small", "sgd")}
    assert {"galore", "norm_head"} & program == set()
    assert {"full", "head", "bias", "lora", "dora"} <= program
    # AdamW's study of the same question is another one, and an SGD study is not AdamW's
    assert len(open_study("mobilenet_v3_small", "unseen", storage, epochs=1).trials) == 0
    with pytest.raises(AdvisorError, match="holds trials of optimizer sgd"):
        open_study("mobilenet_v3_small", "unseen", storage, name=study.study_name, epochs=1)
    with pytest.raises(AdvisorError, match="unknown optimizer"):
        open_study("mobilenet_v3_small", "unseen", storage, optimizer="adam")
