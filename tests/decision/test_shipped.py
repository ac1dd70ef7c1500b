"""The shipped evidence (advisor/shipped/, built by benchmarks/ship_evidence.py): there for the
default model, consistent with its own trials, used when the user brings no data, and enough
on its own: a first recommendation for any shipped device trains nothing, profiles nothing and
imports neither torch, scikit-learn nor optuna."""

import importlib
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from advisor import defaults
from advisor.accuracy.estimate import NotEnoughTrials
from advisor.decision import shipped
from advisor.decision.recommend import evidence_for
from advisor.devices.profile import list_devices
from advisor.errors import AdvisorError

PAIRS = shipped.shipped_pairs()
STUDIES = shipped.shipped_studies()


@pytest.fixture(scope="module")
def script(benchmark_script):
    """benchmarks/ship_evidence.py, which builds the shipped files, as a module."""
    return benchmark_script("ship_evidence")


def test_the_default_model_ships_both_tasks_for_both_optimizers():
    """AdamW's for advisor update, SGD's for an ExecuTorch program's recommendation."""
    for optimizer in defaults.OPTIMIZERS:
        assert {(defaults.MODEL, task, optimizer) for task in defaults.TASKS} <= set(STUDIES)


@pytest.mark.parametrize("model,task,optimizer", STUDIES)
def test_stored_estimates_are_what_the_surrogate_makes_of_the_stored_trials(model, task,
                                                                            optimizer):
    """A change to the surrogate (or the grid) without a rebuild fails here: rebuild with
    python benchmarks/ship_evidence.py (finished trials are kept; only the files change)."""
    from advisor.accuracy.surrogate import AccuracySurrogate
    from advisor.config import TrialConfig

    document = shipped.read_document(shipped.evidence_file(model, task, optimizer))
    assert document["dataset"] == "fashion-mnist"
    assert {"built", "command", "versions", "host"} <= set(document["provenance"])
    assert all(t["config"]["dataset"] == "fashion-mnist"
               and t["config"]["epochs"] == document["epochs"]
               and TrialConfig.model_validate(t["config"]).optimizer == optimizer
               for t in document["trials"])
    evidence = shipped.shipped_evidence(model, task, document["epochs"], optimizer)
    assert evidence.optimizer == optimizer
    stored = evidence.surrogate.stored
    if optimizer == "sgd":  # a program's evidence estimates only what a program can run
        from advisor.program.support import refusal

        assert all(refusal(c) is None for c in stored)
    refit = AccuracySurrogate().fit(document["trials"]).estimate(list(stored))
    for candidate, estimate in stored.items():
        again = refit[candidate]
        assert (again.config, again.measured, again.runs) == (
            estimate.config, estimate.measured, estimate.runs), candidate.label
        assert again.accuracy == pytest.approx(estimate.accuracy, abs=1e-9), candidate.label
        assert again.half_width == pytest.approx(estimate.half_width, abs=1e-9)


def test_recommend_without_data_rests_on_the_shipped_evidence_and_profiles_nothing(
        tmp_path, monkeypatch):
    from advisor.decision.recommend import recommend

    def started(*_, **__):
        raise AssertionError("a recommendation on the shipped evidence did real work")

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))  # a fresh machine's empty cache
    monkeypatch.setattr("advisor.cost.profile_batch_scaled", started)
    monkeypatch.setattr(importlib.import_module("advisor.study.search"), "search", started)
    for model, task in PAIRS:
        for device in list_devices():
            result = recommend(device.id, model, task)
            assert result.study.startswith("shipped benchmark of "), result.study
            assert result.basis.dataset == "fashion-mnist"
            assert result.trials == shipped.read_document(
                shipped.evidence_file(model, task))["surrogate"]["n_trials"]


def test_a_first_recommend_imports_no_training_stack(tmp_path):
    """What keeps the first and the warm call fast: for no shipped device does the command
    import torch, scikit-learn, scipy or optuna (benchmarks/recommend_speed.py times it)."""
    code = ("import sys; from advisor.cli.main import main; from advisor.devices.profile import "
            "list_devices; codes = [main(['recommend', '--device', d.id, '--json']) "
            "for d in list_devices()]; "
            "print(sorted(set(codes)), sorted(m for m in ('torch', 'sklearn', 'scipy', 'optuna') "
            "if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path), "ADVISOR_NO_PROGRESS": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    # 1: nothing fits a microcontroller, with the smallest change that would help
    assert done.stderr.strip().splitlines()[-1] == "[0, 1] []", done.stderr


def test_naming_data_or_a_study_uses_the_study_instead(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    with pytest.raises(NotEnoughTrials):
        evidence_for(defaults.MODEL, "unseen", storage=str(tmp_path / "mine.journal"))
    with pytest.raises(NotEnoughTrials):
        evidence_for(defaults.MODEL, "unseen", dataset="digits")
    with pytest.raises(NotEnoughTrials):
        evidence_for(defaults.MODEL, "unseen", study="mine")
    assert not list(tmp_path.glob("*.journal"))  # reading creates nothing


def test_other_epochs_or_an_unshipped_model_have_no_shipped_evidence():
    assert shipped.shipped_evidence(defaults.MODEL, "unseen", epochs=1) is None
    assert shipped.shipped_evidence("efficientnet_b0", "unseen") is None


def test_a_file_of_another_format_is_ignored(tmp_path):
    path = tmp_path / "evidence-x-unseen.json"
    path.write_text(json.dumps({"format": shipped.FORMAT + 1}))
    assert shipped.read_document(path) is None
    path.write_text("{not json")
    assert shipped.read_document(path) is None


def test_a_bad_dataset_is_refused_before_any_study(monkeypatch):
    from advisor.decision.recommend import recommend

    monkeypatch.setattr(importlib.import_module("advisor.study.search"), "open_study",
                        lambda *_, **__: 1 / 0)
    with pytest.raises(AdvisorError, match="unknown dataset"):
        recommend("jetson-nano", dataset="mnist")


def test_a_refit_rebuilds_the_estimates_from_the_stored_trials_alone(script, tmp_path,
                                                                    monkeypatch):
    """ship_evidence.py --refit: what lands a change to the surrogate without retraining."""
    model, task = PAIRS[0]
    original = json.loads(shipped.evidence_file(model, task).read_text())
    stale = original | {"estimates": [row | {"accuracy": 0.0} for row in original["estimates"]]}
    monkeypatch.setattr(shipped, "FOLDER", tmp_path)
    shipped.evidence_file(model, task).write_text(json.dumps(stale))
    shipped.read_document.cache_clear()
    script.refit_evidence(model, task)
    refitted = json.loads(shipped.evidence_file(model, task).read_text())
    assert shipped.read_document(shipped.evidence_file(model, task)) == refitted
    for again, stored in zip(refitted["estimates"], original["estimates"], strict=True):
        assert again["candidate"] == stored["candidate"]
        assert again["accuracy"] == pytest.approx(stored["accuracy"], abs=1e-9)
    assert refitted["trials"] == original["trials"]
    assert refitted["provenance"]["built"] == original["provenance"]["built"]
    assert "refitted" in refitted["provenance"]


def test_the_report_says_which_thread_counts_the_trials_trained_with(script):
    """Full fine-tuning's figures move with torch's thread count (docs/transfer.md): files
    built since trials keep it say it for every trial, older ones say it was not kept."""
    assert script._threads([{"threads": 1}, {"threads": 2}, {"threads": 1}]) == "1, 2"
    assert script._threads([{"threads": None}, {}]) == "not kept"
    rebuilt = shipped.read_document(shipped.evidence_file("resnet18", "unseen"))
    assert all(t["threads"] == 1 for t in rebuilt["trials"])  # 2 workers on 2 cores


def test_exported_costs_are_the_ones_recommendations_used_and_suffice(tmp_path, monkeypatch):
    """What the machine's cache holds besides (a benchmark's costs at other resolutions) does
    not ship: UsedCosts.export keeps the costs the recommendations read, and they are enough."""
    from advisor.cost import cache as costcache
    from advisor.decision.recommend import recommend

    everything = [k for k in json.loads(costcache.SHIPPED.read_text())
                  if k not in costcache.TABLES and json.loads(k)["model"] == defaults.MODEL]
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    with costcache.UsedCosts() as used:
        recommend("jetson-nano", defaults.MODEL, "unseen")
    used.export({defaults.MODEL}, to=tmp_path / "costs.json")
    kept = [k for k in json.loads((tmp_path / "costs.json").read_text())
            if k not in costcache.TABLES]
    assert 0 < len(kept) == len(used.keys) < len(everything)

    def started(*_, **__):
        raise AssertionError("the exported costs did not suffice")

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "fresh"))
    monkeypatch.setattr(costcache, "SHIPPED", tmp_path / "costs.json")
    monkeypatch.setattr("advisor.cost.profile_batch_scaled", started)
    recommend("jetson-nano", defaults.MODEL, "unseen")
