"""An answer says how the rules of thumb (full, LoRA r8, head-only at all blocks) did: measured
or not, what each needs on this device, and whether one is the recommendation."""

import json
from pathlib import Path

from advisor.config import TrialConfig
from advisor.decision.evidence import study_evidence
from advisor.decision.recommend import decide
from advisor.space import BASELINES
from advisor.study.search import seed_study

RECORDED = Path(__file__).parents[1] / "data" / "mobilenet_v3_small-unseen-e4-results.json"


def _config(result: dict):
    return TrialConfig.model_validate(result["config"]).as_config().evidence_config()


def _answer(tmp_path, results):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    seed_study(results, url)
    return decide(study_evidence("mobilenetv3", "unseen", url, epochs=4), "jetson-nano")


def test_each_baseline_is_reported_with_its_measured_runs_and_ram(tmp_path):
    results = json.loads(RECORDED.read_text())
    answer = _answer(tmp_path, results)
    assert [b.name for b in answer.baselines] == list(BASELINES)
    for b in answer.baselines:
        runs = sum(_config(r) == BASELINES[b.name].evidence_config() for r in results)
        assert b.measured_runs == runs > 0
        option = next(o for o in answer.ranked if o.config.evidence_config()
                      == BASELINES[b.name].evidence_config() and o.micro_batch is None
                      and not o.checkpointing)
        assert b.required_ram_bytes == option.required_ram_bytes and b.fits == option.feasible
        assert b.recommended == (option.config == answer.recommendation.config)
    assert answer.notes[0].startswith("baselines, all blocks: full fine-tuning")
    assert "NOT measured" not in answer.notes[0]
    assert json.loads(answer.model_dump_json())["baselines"][0]["name"] == "full fine-tuning"


def test_a_baseline_the_evidence_never_measured_is_said_to_be_predicted(tmp_path):
    full = BASELINES["full fine-tuning"].evidence_config()
    results = [r for r in json.loads(RECORDED.read_text()) if _config(r) != full]
    answer = _answer(tmp_path, results)
    row = answer.baselines[0]
    assert row.name == "full fine-tuning" and row.measured_runs == 0
    assert "full fine-tuning" in answer.notes[0] and "NOT measured, predicted" in answer.notes[0]
