"""Before a search ends it tries the untried candidate that could replace its best at less
memory (value_of_information.py), and a study measures the baselines before anything else."""

import json
from pathlib import Path

import pytest

from advisor.accuracy.surrogate import AccuracySurrogate
from advisor.config import Config
from advisor.cost.cache import costs
from advisor.study.next_candidate import model_grid
from advisor.study.search import open_study, seed_study
from advisor.study.trials import completed_results
from advisor.study.value_of_information import SCALE, due, worth_trying

MODEL = "mobilenet_v3_small"
RECORDED = Path(__file__).parents[1] / "data" / "mobilenet_v3_small-unseen-e4-results.json"


@pytest.fixture
def study(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    seed_study(json.loads(RECORDED.read_text()), url)
    return open_study(MODEL, "unseen", url, epochs=4, create=False)


def _peak(config: Config, num_classes: int) -> int:
    return costs(MODEL, [config], *SCALE, num_classes)[config].memory.peak_bytes


def test_the_candidate_worth_trying_is_untried_close_to_the_best_and_lighter(study):
    classes = study.user_attrs["num_classes"]
    chosen = worth_trying(study, MODEL, model_grid(MODEL), classes)
    surrogate = AccuracySurrogate().fit(completed_results(study))
    best = max(surrogate.tried.values(), key=lambda e: (e.accuracy, e.runs))
    assert chosen is not None and chosen not in surrogate.tried
    estimate = surrogate.estimate([chosen])[chosen]
    assert estimate.accuracy + estimate.half_width >= best.accuracy
    assert _peak(chosen, classes) < _peak(best.config.evidence_config(), classes)


def test_nothing_is_worth_trying_when_every_close_candidate_is_heavier_or_measured(study):
    """A measured candidate is never "worth trying" again, and an untried one that needs
    more memory than the best at the comparison scale is not tried, however close."""
    classes = study.user_attrs["num_classes"]
    tried = AccuracySurrogate().fit(completed_results(study)).tried
    best = max(tried.values(), key=lambda e: (e.accuracy, e.runs)).config.evidence_config()
    full = Config(method="full")
    assert full.evidence_config() in tried
    assert worth_trying(study, MODEL, [full], classes) is None
    heavy = Config(method="dora", rank=32, targets="no-depthwise")  # every block, rank 32
    assert heavy not in tried and _peak(heavy, classes) > _peak(best, classes)
    estimate = AccuracySurrogate().fit(completed_results(study)).estimate([heavy])[heavy]
    assert estimate.accuracy + estimate.half_width >= tried[best].accuracy  # close enough
    assert worth_trying(study, MODEL, [heavy], classes) is None


def test_it_comes_just_before_the_confirmations_and_not_in_the_opening(study):
    assert len(study.trials) < 12 and not due(study, 3, 20)  # still the opening
    for _ in range(12 - len(study.trials)):
        study.enqueue_trial({"method": "head"})
    assert due(study, 3, 20) and not due(study, 4, 20) and not due(study, 2, 20)
    assert due(study, 2, 4) and not due(study, 2, 3)  # a search of 3 trials only explores
