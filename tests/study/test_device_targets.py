"""A search told its devices judges "fits" by the recommender's own rule: a repeat that
confirmed configurations by another rule would confirm ones the answer cannot use."""

from advisor.accuracy.estimate import Estimate
from advisor.config import Config
from advisor.cost.cache import costs
from advisor.decision.feasibility import evaluate
from advisor.decision.question import Question
from advisor.study.device_targets import device_targets, warm

MODEL = "mobilenet_v3_small_050"
DEVICE = "esp32-s3-psram"  # batch 1 at 64 px: profiles in seconds


def test_a_device_target_fits_what_the_recommender_finds_feasible():
    fits, = device_targets(MODEL, [DEVICE], 10)
    question = Question.ask(DEVICE).model_copy(update={"samples": 100, "epochs": 4,
                                                       "num_classes": 10})
    configs = [Config(method="full"), Config(method="head")]
    exact = costs(MODEL, configs, question.batch_size, question.resolution, 10)
    feasible = [evaluate(c, Estimate(0.0, c, False), exact[c], question).feasible
                for c in configs]
    assert [fits(c) for c in configs] == feasible
    assert feasible == [False, True]  # both verdicts occur: the comparison could fail


def test_a_draw_costs_its_candidates_in_one_batch_per_device(monkeypatch):
    """One profile per question would run without the cost cache's worker processes and,
    off a terminal, without a line while it works (cost/cache.py)."""
    import advisor.cost.cache as cache

    asked = []

    def recorded(model, configs, *args):
        asked.append(len(configs))
        return costs(model, configs, *args)

    monkeypatch.setattr(cache, "costs", recorded)
    fits, = device_targets(MODEL, [DEVICE], 10)
    configs = [Config(method="full"), Config(method="head"), Config(method="bias")]
    warm([fits, {configs[1]}.__contains__], configs)
    assert asked == [3]
    assert [fits(c) for c in configs] == [False, True, True] and asked == [3]
    fits(Config(method="norm_head"))
    assert asked == [3, 1]
