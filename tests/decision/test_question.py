"""The question: checked once where it is asked, before anything is costed or searched."""

import pytest

import advisor.decision.recommend as r
from advisor.decision.evidence import Evidence
from advisor.decision.question import Question
from advisor.devices.profile import Constraints, load_device
from advisor.errors import AdvisorError

EVIDENCE = Evidence(model="mobilenet_v3_small", task="unseen", dataset="digits", study="s",
                    epochs=3, surrogate=None, samples=400, num_classes=5)


def _never(*args, **kwargs):
    raise AssertionError("called after the question was refused")


def test_defaults_come_from_the_device_then_the_evidence():
    nano = load_device("jetson-nano")
    question = Question.ask("jetson-nano")
    assert (question.batch_size, question.resolution) == (nano.batch_size, nano.resolution)
    assert question.constraints == Constraints() and question.prefer == "memory"
    assert question.samples is None
    about = question.about(EVIDENCE)
    assert (about.samples, about.epochs, about.num_classes) == (400, 3, 5)
    mine = Question.ask(nano, batch_size=4, resolution=64, samples=10).about(EVIDENCE)
    assert (mine.batch_size, mine.resolution, mine.samples) == (4, 64, 10)


@pytest.mark.parametrize(("kw", "message"), [
    ({"batch_size": 0}, "--batch-size must be"),  # 0 is a value, not "the device's"
    ({"resolution": 0}, "--resolution must be"),
    ({"samples": 0}, "--samples must be >= 1, got 0"),
    ({"prefer": "speed"}, "--prefer must be one of memory, time, flash, got 'speed'"),
    ({"prefer": ["memory"]}, "--prefer must be one of"),
])
def test_bad_input_is_one_line(kw, message):
    with pytest.raises(AdvisorError, match=message):
        Question.ask("jetson-nano", **kw)
    with pytest.raises(AdvisorError, match=message):  # built directly: the same checks
        Question(**{"device": load_device("jetson-nano"), "batch_size": 8, "resolution": 32,
                    **kw})


def test_a_bad_preference_is_refused_before_any_costing_or_search(monkeypatch):
    monkeypatch.setattr(r, "costs", _never)
    monkeypatch.setattr(r, "valid_configs", _never)
    monkeypatch.setattr(r, "evidence_for", _never)
    with pytest.raises(AdvisorError, match="--prefer must be one of"):
        r.decide(EVIDENCE, "jetson-nano", prefer="speed")
    with pytest.raises(AdvisorError, match="--prefer must be one of"):
        r.recommend("jetson-nano", prefer="speed")
