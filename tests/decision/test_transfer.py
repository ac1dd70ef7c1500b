"""An extrapolated accuracy cites the transfer measured by benchmarks/transfer.py (shipped as
advisor/shipped/transfer.json): the nearest measured resolution, whose model it was measured
on, and what was never measured."""

import json

import pytest

from advisor.config import Config
from advisor.decision import transfer
from advisor.decision.recommend import decide, evidence_for

FIGURE = {"spearman": 0.81, "pick": "full", "best": "lora r8 (pointwise)",
          "regret_points": 0.7, "regret_se_points": 0.4}

ANSWER = {"answer": "lora r8 (pointwise)", "answer_regret_points": 1.2,
          "answer_regret_se_points": 0.3}


@pytest.fixture
def measured(tmp_path, monkeypatch):
    path = tmp_path / "transfer.json"
    path.write_text(json.dumps({"format": transfer.FORMAT, "models": {"mobilenet_v3_small": {
        "configurations": 8, "seeds": [11, 12],
        "groups": {"resolution": {"from": "32 px", "to": {"64 px": FIGURE,
                                                          "96 px": FIGURE | {
                                                              "spearman": 0.5, **ANSWER}}},
                   "unseen": {"from": "Fashion-MNIST 32 px", "to": {"digits 32 px": FIGURE}}}}}}))
    monkeypatch.setattr(transfer, "TRANSFER_FILE", path)
    transfer._models.cache_clear()
    yield path
    transfer._models.cache_clear()


def test_the_nearest_measured_resolution_is_cited_and_beyond_it_is_unmeasured(measured):
    note = transfer.resolution_note("mobilenet_v3_small", 224)
    assert "32 px -> 96 px: Spearman's rho 0.50" in note
    assert "jetson-nano answer (lora r8 (pointwise)) 1.2 ± 0.3 points below" in note
    assert "(full) 0.7 ± 0.4 points below the best there" in note
    assert "nothing above 96 px was measured" in note
    assert "64 px: Spearman's rho 0.81" in transfer.resolution_note("mobilenet_v3_small", 64)
    assert "nothing above" not in transfer.resolution_note("mobilenet_v3_small", 80)


def test_a_column_with_fewer_seeds_says_how_many(measured):
    document = json.loads(measured.read_text())
    group = document["models"]["mobilenet_v3_small"]["groups"]["resolution"]
    group["to"]["224 px"] = FIGURE | {"seeds": 1, "regret_se_points": None}
    measured.write_text(json.dumps(document))
    transfer._models.cache_clear()
    note = transfer.resolution_note("mobilenet_v3_small", 224)
    assert "x 2 seeds)" in note and "32 px -> 224 px (1 seed there): Spearman's rho" in note
    assert "(full) 0.7 points (one seed, no standard error) below the best there" in note
    assert "nothing above" not in note
    assert "(1 seed there)" not in transfer.resolution_note("mobilenet_v3_small", 96)


def _column(accuracies: dict[Config, float]) -> dict:
    return {"configurations": [{"config": c.model_dump(mode="json"), "accuracies": [a, a]}
                               for c, a in accuracies.items()]}


LAST3 = Config(method="lora", rank=4, depth=3)
FULL = Config(method="full")
BIAS = Config(method="bias")
HEAD = Config(method="head")


def _with_runs(path, at_96: dict[Config, float]) -> None:
    document = json.loads(path.read_text())
    group = document["models"]["mobilenet_v3_small"]["groups"]["resolution"]
    group["runs"] = {"32 px": _column({LAST3: 0.70, FULL: 0.90, BIAS: 0.85, HEAD: 0.60}),
                     "96 px": _column(at_96)}
    path.write_text(json.dumps(document))
    transfer._models.cache_clear()


def test_the_gain_of_updates_of_the_last_blocks_is_set_against_all_blocks(measured):
    _with_runs(measured, {LAST3: 0.85, FULL: 0.92, BIAS: 0.88, HEAD: 0.75})
    note = transfer.resolution_note("mobilenet_v3_small", 224)
    assert ("from 32 px to 96 px the 1 update of the last blocks measured gained +15.0 "
            "points, the 2 of all blocks +2.0 to +3.0: a 32 px figure understates an update "
            "of the last blocks there") in note  # head-only (+15.0) is neither


def test_no_direction_is_claimed_where_the_gains_overlap(measured):
    _with_runs(measured, {LAST3: 0.72, FULL: 0.93, BIAS: 0.86, HEAD: 0.60})
    note = transfer.resolution_note("mobilenet_v3_small", 96)
    assert "gained +2.0 points, the 2 of all blocks +1.0 to +3.0" in note
    assert "understates" not in note


def test_the_shipped_runs_show_the_last_blocks_understated_at_224_px():
    transfer._models.cache_clear()
    for model in ("mobilenet_v3_small", "mobilenet_v3_small_050"):
        assert "understates an update of the last blocks" in transfer.resolution_note(model, 224)


def test_another_models_figures_are_named_as_such(measured):
    note = transfer.resolution_note("resnet18", 224)
    assert "(on mobilenet_v3_small, not resnet18" in note


def test_nothing_shipped_means_nothing_claimed(tmp_path, monkeypatch):
    monkeypatch.setattr(transfer, "TRANSFER_FILE", tmp_path / "absent.json")
    transfer._models.cache_clear()
    try:
        assert transfer.resolution_note("mobilenet_v3_small", 224) == ""
        assert transfer.data_note("mobilenet_v3_small", "unseen") == ""
    finally:
        transfer._models.cache_clear()


def test_an_extrapolated_answer_carries_the_measured_transfer(measured):
    evidence = evidence_for("mobilenet_v3_small", "unseen")
    answer = decide(evidence, "raspberry-pi-4-2gb")  # 224 px: extrapolated from 32 px
    notes = answer.notes
    assert any(n.startswith("accuracy, measured transfer") and "96 px" in n for n in notes)
    assert any(n.startswith("accuracy, the shipped ranking on other data") and "digits" in n
               for n in notes)
    at_trials = answer.model_copy(update={"basis": answer.basis.model_copy(
        update={"resolution": 32})})
    assert not any(n.startswith("accuracy, measured transfer") for n in at_trials.notes)


def test_the_shipped_figures_are_readable_where_shipped():
    transfer._models.cache_clear()
    for model, entry in transfer._models().items():
        for group in entry["groups"].values():
            for name, figure in group["to"].items():
                assert set(FIGURE) <= set(figure), (model, name)
                assert -1 <= figure["spearman"] <= 1
