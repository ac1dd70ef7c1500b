"""At the device's resolution the choice is made among the configurations measured there
(decision/confirmation.py), where the trials' own choice was measured there too; everything
else keeps the trials' figures and is marked as not measured there."""

import json
import statistics

import pytest
from scipy.stats import t

from advisor.config import Config
from advisor.decision import transfer
from advisor.decision.confirmation import summarise
from advisor.decision.recommend import decide, evidence_for
from advisor.decision.verdicts import Confirmation

LORA = Config(method="lora", rank=8, targets="pointwise")
FULL = Config(method="full")
HEAD = Config(method="head")


@pytest.fixture(scope="module")
def evidence():
    return evidence_for("mobilenet_v3_small", "unseen")


def _measured(monkeypatch, runs: dict[Config, list[float]]) -> None:
    monkeypatch.setattr(transfer, "resolution_runs",
                        lambda model, resolution: (runs, 2.0) if resolution == 224
                        else ({}, float("nan")))


def _trials_only(monkeypatch, evidence, **question):
    """The answer from the trials alone: nothing measured at the device's resolution."""
    _measured(monkeypatch, {})
    return decide(evidence, "jetson-nano", **question)


def test_the_choice_moves_to_what_was_measured_best_at_the_device_resolution(
        monkeypatch, evidence):
    trials_only = _trials_only(monkeypatch, evidence).recommendation
    _measured(monkeypatch, {trials_only.config.evidence_config(): [0.93, 0.935, 0.94],
                            FULL: [0.96, 0.965, 0.97], HEAD: [0.60, 0.61, 0.62]})
    answer = decide(evidence, "jetson-nano")
    chosen = answer.recommendation
    assert chosen.method == "full" and chosen.standing.resolution == 224
    assert chosen.confirmed.accuracy == pytest.approx(0.965)
    assert chosen.lr == FULL.lr  # the run measured there, whatever lr the trials preferred
    assert answer.trials_choice.config == trials_only.config
    note = next(n for n in answer.notes if n.startswith("chosen at 224 px"))
    assert "among the 3 configurations that fit and were measured there" in note
    assert f"trials alone chose {trials_only.label}" in note
    standings = {o.config.evidence_config(): o.standing for o in answer.ranked}
    assert standings[HEAD].kind == "less_accurate"
    assert standings[HEAD].gap == pytest.approx(0.965 - 0.61)
    unmeasured = [o for o in answer.ranked if o.feasible and o.confirmed is None]
    assert unmeasured and all(o.standing.kind == "unconfirmed" for o in unmeasured)
    assert "not measured at 224 px, where the choice was made" in unmeasured[0].reason


def test_a_configuration_measured_there_is_recommended_at_the_lr_measured_there(
        monkeypatch, evidence):
    trials_only = _trials_only(monkeypatch, evidence).recommendation
    other_lr = trials_only.config.evidence_config().model_copy(update={"lr": 0.0123})
    _measured(monkeypatch, {other_lr: [0.95, 0.96]})
    chosen = decide(evidence, "jetson-nano").recommendation
    assert chosen.config.evidence_config() == trials_only.config.evidence_config()
    assert chosen.lr == 0.0123 and chosen.confirmed.lr == 0.0123


def test_tied_at_the_device_resolution_the_cheaper_is_chosen(monkeypatch, evidence):
    plain = _trials_only(monkeypatch, evidence)
    trials_only = plain.recommendation
    ram = {o.config.evidence_config(): o.required_ram_bytes for o in plain.ranked}
    assert trials_only.config.evidence_config() != LORA and len({
        ram[c] for c in (trials_only.config.evidence_config(), FULL, LORA)}) == 3
    tied = {trials_only.config.evidence_config(): [0.948, 0.95, 0.952],
            FULL: [0.949, 0.951, 0.953], LORA: [0.947, 0.95, 0.953]}
    _measured(monkeypatch, tied)
    answer = decide(evidence, "jetson-nano")
    cheapest = min(tied, key=ram.__getitem__)
    assert answer.recommendation.config.evidence_config() == cheapest
    assert answer.recommendation.standing.ties == 2
    assert "cannot be told apart" in answer.ties and "at 224 px" in answer.ties


def test_the_trials_choice_stands_where_it_was_not_measured_there(monkeypatch, evidence):
    trials_only = _trials_only(monkeypatch, evidence).recommendation
    _measured(monkeypatch, {FULL: [0.99, 0.99, 0.99], HEAD: [0.6, 0.6, 0.6]})
    answer = decide(evidence, "jetson-nano")
    assert answer.recommendation.config == trials_only.config
    assert all(o.confirmed is None for o in answer.ranked)
    assert not any(n.startswith("chosen at") for n in answer.notes)


def test_one_run_there_confirms_nothing(monkeypatch, evidence):
    trials_only = _trials_only(monkeypatch, evidence).recommendation
    _measured(monkeypatch, {trials_only.config.evidence_config(): [0.90, 0.91],
                            FULL: [0.99]})
    answer = decide(evidence, "jetson-nano")
    assert answer.recommendation.config.evidence_config() == \
        trials_only.config.evidence_config()
    assert all(o.confirmed is None or o.confirmed.runs >= 2 for o in answer.ranked)


def test_a_question_at_the_trials_resolution_is_decided_by_the_trials(monkeypatch, evidence):
    at_32 = _trials_only(monkeypatch, evidence, resolution=32).recommendation
    _measured(monkeypatch, {at_32.config.evidence_config(): [0.5, 0.5, 0.5],
                            FULL: [0.99, 0.99, 0.99]})
    assert decide(evidence, "jetson-nano", resolution=32).recommendation.config == at_32.config


def test_the_interval_pools_the_seed_noise_of_every_configuration():
    runs = {FULL: [0.90, 0.92, 0.94], HEAD: [0.60, 0.61], LORA: [0.8]}
    got = summarise(runs, 224, t.ppf(0.95, 3))
    squares = 2 * statistics.variance(runs[FULL]) + statistics.variance(runs[HEAD])
    sd = (squares / 3) ** 0.5
    assert got[FULL].error == pytest.approx(t.ppf(0.95, 3) * sd / 3 ** 0.5)
    assert got[HEAD].error == pytest.approx(t.ppf(0.95, 3) * sd / 2 ** 0.5)
    assert got[LORA] == Confirmation(resolution=224, lr=LORA.lr, accuracy=0.8, runs=1,
                                     error=got[LORA].error)
    # one run everywhere: no interval
    assert summarise({FULL: [0.9]}, 224, float("nan"))[FULL].error is None


def test_an_exported_choice_carries_its_figure_at_the_device_resolution(
        monkeypatch, evidence, tmp_path):
    from advisor.decision.export import export_choice
    from advisor.devices.profile import load_device

    trials_only = _trials_only(monkeypatch, evidence).recommendation
    _measured(monkeypatch, {trials_only.config.evidence_config(): [0.93, 0.94],
                            FULL: [0.96, 0.97]})
    answer = decide(evidence, "jetson-nano")
    written = export_choice(answer, answer.recommendation, load_device("jetson-nano"),
                            tmp_path / "choice.json")
    accuracy = json.loads(written[0].read_text())["accuracy"]
    assert accuracy["at_device_resolution"] == {"resolution": 224, "lr": FULL.lr,
                                                "accuracy": 0.965,
                                                "error": pytest.approx(2.0 * 0.005), "runs": 2}
    assert accuracy["predicted"] == answer.recommendation.predicted_accuracy  # the trials'
