"""The RAM floor: a limit no lever can meet is answered at once, with the bound."""

import pytest

from advisor.decision.recommend import recommend
from advisor.devices.profile import Constraints


def _no_profiles(monkeypatch):
    def started(*_, **__):
        raise AssertionError("a lever was profiled below the floor")

    monkeypatch.setattr("advisor.cost.profile_batch_scaled", started)


def test_a_limit_below_runtime_and_weights_is_answered_without_any_profile(
        monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    _no_profiles(monkeypatch)
    result = recommend("jetson-nano", "mobilenet_v3_small", "unseen",
                       Constraints(max_memory=1024))
    assert result.recommendation is None
    s = result.suggested
    assert s.kind == "below_floor" and s.required_ram_bytes > 1024
    assert "no update of this model fits at any batch size" in result.suggestion


def test_levers_are_tried_best_first_and_stop_at_the_first_that_fits(monkeypatch, tmp_path):
    """The shipped default question under half the chosen configuration's RAM: the answer
    uses a lever and fits; everything more accurate does not fit."""
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    plain = recommend("jetson-nano", "mobilenet_v3_small", "unseen").recommendation
    cap = int(plain.required_ram_bytes * 0.5)
    result = recommend("jetson-nano", "mobilenet_v3_small", "unseen",
                       Constraints(max_memory=cap))
    chosen = result.recommendation
    assert chosen is not None and chosen.required_ram_bytes <= cap
    assert chosen.micro_batch or chosen.checkpointing
    better = [o for o in result.ranked if o.predicted_accuracy > chosen.predicted_accuracy]
    assert all(not o.feasible for o in better)


@pytest.mark.slow  # ~12 s: every shipped device, model, task and constrained question
def test_shipped_constrained_questions_profile_nothing_and_import_no_torch(tmp_path):
    """What ships covers the constrained questions benchmarks/ship_evidence.py asks (RAM at
    25/50/75% of the unconstrained choice's, an update-time limit, an impossible limit) for
    every shipped device, model and task, on the TUI's code path (decide_question)."""
    import os
    import subprocess
    import sys

    code = """
import sys
from advisor.decision import shipped
from advisor.decision.question import Question
from advisor.decision.recommend import decide_question
from advisor.devices.profile import list_devices
for model, task in shipped.shipped_pairs():
    evidence = shipped.shipped_evidence(model, task)
    for device in list_devices():
        plain = decide_question(evidence, Question.ask(device, None))
        for limits in shipped.constrained_questions(plain):
            decide_question(evidence, Question.ask(device, limits))
print(sorted(m for m in ("torch", "sklearn", "optuna") if m in sys.modules))
"""
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path), "ADVISOR_NO_PROGRESS": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-2000:]
