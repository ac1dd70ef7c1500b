"""recommend for an ExecuTorch device: what a program cannot run is refused with its reason,
and the front-runners are judged on their programs' RAM (exported on demand; faked here, so
that the quick tier exports nothing)."""

import json

import pytest

from advisor.cli.main import main
from advisor.decision.question import Question
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
    from advisor.decision.recommend import evidence_for

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
    from advisor.decision.recommend import decide, evidence_for
    from advisor.errors import AdvisorError

    device = load_device("raspberry-pi-4-2gb").model_copy(update={"runtime": "executorch"})
    with pytest.raises(AdvisorError, match="recommend_program"):
        decide(evidence_for("mobilenet_v3_small", "unseen"), device)
