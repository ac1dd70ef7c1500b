"""recommend for an ExecuTorch device: what a program cannot run is refused with its reason,
and the front-runners are judged on their programs' RAM (exported on demand; faked here, so
that the quick tier exports nothing)."""

import json

import pytest

from advisor import defaults
from advisor.cli.main import main
from advisor.decision.question import Question
from advisor.decision.recommend import decide, evidence_for
from advisor.decision.shipped import shipped_evidence
from advisor.devices.profile import Constraints, load_device
from advisor.program import advice
from advisor.program.manifest import ProgramMemory
from advisor.program.support import refusal

MIB = 2**20


class Calls(list):
    def __init__(self) -> None:
        super().__init__()
        self.heavy: set[str] = set()


@pytest.fixture
def exports(monkeypatch):
    """A fake export: every program needs 40 MiB, except those of the methods in
    ``calls.heavy``, 400 MiB; records its calls."""
    calls = Calls()

    def fake(model, config, batch_size, resolution, classes):
        calls.append((config, batch_size, resolution))
        need = (400 if config.method in calls.heavy else 40) * MIB
        return ProgramMemory(arena_bytes=need - MIB, program_bytes=MIB, trainable_bytes=0,
                             optimizer_state_bytes=0, ram_needed_bytes=need,
                             ram_needed_rule="fake")

    monkeypatch.setattr(advice, "program_memory", fake)
    return calls


def _answer(limit=None):
    device = load_device("raspberry-pi-4-2gb").model_copy(update={"runtime": "executorch"})
    question = Question.ask(device, Constraints(max_memory=limit))
    return advice.decide_program(evidence_for("mobilenet_v3_small", "unseen"), question)


def test_what_a_program_cannot_run_is_refused_with_its_reason(exports):
    result = _answer()
    reasons = {r.reason.split(";")[0] for r in result.refused_by_runtime}
    assert any("GaLore projects gradients" in r for r in reasons)
    assert any("re-estimates the BatchNorm statistics" in r for r in reasons)
    assert all(refusal(o.config) is None for o in result.ranked)
    assert result.runtime == "executorch"
    assert any("cannot run galore" in n for n in result.notes)


def test_the_choice_is_judged_on_its_exported_program(exports):
    result = _answer()
    chosen = result.recommendation
    assert chosen is not None and chosen.program_memory is not None
    assert chosen.required_ram_bytes == chosen.program_memory["ram_needed_bytes"]
    assert (chosen.config, chosen.batch_size, chosen.resolution) in exports
    assert len(exports) <= advice.FRONT_RUNNERS
    assert all(b == 16 and r == 224 for _, b, r in exports)  # the device's scale


def test_a_program_over_the_limit_gives_way_to_one_that_fits(exports):
    winner = _answer().recommendation.method
    exports.heavy = {winner}  # its programs now need 400 MiB, the others 40
    result = _answer(100 * MIB)
    chosen = result.recommendation
    assert chosen is not None and chosen.method != winner
    assert chosen.required_ram_bytes == 40 * MIB and chosen.program_memory is not None
    exported = [o for o in result.ranked if o.method == winner and o.program_memory]
    assert exported and all(not o.feasible for o in exported)


def test_recommend_runtime_executorch_in_json(exports, capsys):
    code = main(["recommend", "--device", "raspberry-pi-4-2gb", "--model", "mobilenetv3",
                 "--runtime", "executorch", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["runtime"] == "executorch"
    assert document["recommendation"]["program_memory"]["ram_needed_bytes"] == \
        document["recommendation"]["required_ram_bytes"]
    assert document["refused_by_runtime"]


def test_a_recommendation_for_pytorch_names_no_runtime_refusals(capsys):
    assert main(["recommend", "--device", "raspberry-pi-4-2gb", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["runtime"] is None and document["refused_by_runtime"] == []
    assert document["recommendation"]["program_memory"] is None


def test_an_executorch_device_is_not_ranked_for_pytorch_by_mistake():
    from advisor.errors import AdvisorError

    device = load_device("raspberry-pi-4-2gb").model_copy(update={"runtime": "executorch"})
    with pytest.raises(AdvisorError, match="recommend_program"):
        decide(evidence_for("mobilenet_v3_small", "unseen"), device)


def _program_device():
    return load_device("raspberry-pi-4-2gb").model_copy(update={"runtime": "executorch"})


def test_a_program_is_recommended_on_trials_that_trained_as_programs_do(exports):
    """The default model ships SGD's evidence: the accuracy printed is SGD's, and says so."""
    result = advice.recommend_program(_program_device(), "mobilenetv3", "unseen")
    assert result.basis.optimizer == "sgd"
    assert any(n.startswith("accuracy: measured with SGD") for n in result.notes)
    chosen = result.recommendation
    sgd = shipped_evidence("mobilenet_v3_small", "unseen", optimizer="sgd")
    assert chosen.predicted_accuracy == sgd.estimates([chosen.config])[chosen.config].accuracy


def test_without_sgd_evidence_adamw_stands_in_and_the_answer_says_so(exports):
    assert shipped_evidence("mobilenet_v2", "unseen", optimizer="sgd") is None
    result = advice.recommend_program(_program_device(), "mobilenet_v2", "unseen")
    assert result.basis.optimizer == "adamw"
    assert any("measured with AdamW" in n and "--optimizer sgd" in n for n in result.notes)


def test_a_recipe_from_sgd_evidence_carries_its_optimizer_and_rate_to_the_program(
        exports, tmp_path):
    from advisor.decision.export import export_choice
    from advisor.decision.recipe import read_recipe
    from advisor.program.job import learning_rate
    from advisor.program.support import notes

    result = advice.recommend_program(_program_device(), "mobilenetv3", "unseen")
    chosen = result.recommendation
    path = export_choice(result, chosen, result.basis.device, tmp_path / "recipe.json")[-1]
    document = json.loads(path.read_text())
    assert document["configuration"]["optimizer"] == "sgd"
    assert "--optimizer sgd" in document["commands"]["trial"]
    written = read_recipe(path).trial
    assert written.optimizer == "sgd"
    rate, source = learning_rate(None, written)
    assert rate == chosen.config.lr and "trained with SGD" in source
    assert learning_rate(0.02, written)[0] == 0.02
    assert "measured the way the program trains" in notes(chosen.config, "sgd")[0]
    # an AdamW recipe keeps the form it had: no optimizer, advisor's own program rate
    plain = decide(evidence_for("mobilenet_v3_small", "unseen"), "raspberry-pi-4-2gb")
    path = export_choice(plain, plain.recommendation, plain.basis.device,
                         tmp_path / "plain.json")[-1]
    assert "optimizer" not in json.loads(path.read_text())["configuration"]
    assert learning_rate(None, read_recipe(path).trial)[0] == defaults.PROGRAM_LR
    assert "measured with adamw" in notes(plain.recommendation.config, "adamw")[0]


def test_a_program_extrapolates_no_batchnorm_batch(exports):
    """Its statistics never train, so full fine-tuning at the device's batch is what the
    trials measured, not an extrapolation."""
    result = advice.recommend_program(_program_device(), "mobilenetv3", "unseen")
    assert all(o.extrapolated == [] for o in result.ranked)
    plain = decide(evidence_for("mobilenet_v3_small", "unseen"), "raspberry-pi-4-2gb")
    assert any(o.extrapolated for o in plain.ranked if o.method == "full")
