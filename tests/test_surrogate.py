"""The accuracy surrogate: measured where tried, predicted (with a measured error) elsewhere."""

import math

import pytest

from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import Config
from advisor.surrogate import AccuracySurrogate


def _result(method, rank, targets, accuracy, lr_scale=1.0):
    return {"config": {"method": method, "rank": rank, "targets": targets,
                       "lr": METHODS[method].default_lr * lr_scale},
            "accuracy_after": accuracy}


TRIALS = [
    _result("head", None, "no-depthwise", 0.50), _result("bias", None, "no-depthwise", 0.70),
    _result("full", None, "no-depthwise", 0.90), _result("lora", 1, "pointwise", 0.80),
    _result("lora", 4, "pointwise", 0.88), _result("lora", 16, "pointwise", 0.93),
    _result("lora", 16, "pointwise", 0.60, lr_scale=3.0),  # same config, worse lr
]


def test_tried_configurations_keep_their_best_measured_accuracy():
    s = AccuracySurrogate().fit(TRIALS)
    scores = s.best_lr_scales([Config("lora", 16, "pointwise"), Config("head")])
    assert scores[Config("lora", 16, "pointwise")] == (0.93, 1.0)
    assert scores[Config("head")] == (0.50, 1.0)
    assert s.n_trials == 7 and 0 < s.cv_mae < 0.5 and math.isfinite(s.cv_mae)


def test_untried_configurations_are_predicted_within_range():
    s = AccuracySurrogate().fit(TRIALS)
    accuracy, lr_scale = s.best_lr_scales([Config("lora", 8, "pointwise")])[
        Config("lora", 8, "pointwise")]
    assert 0.5 <= accuracy <= 0.93  # between what the forest has seen
    assert lr_scale > 0


def test_too_few_trials_is_a_user_error():
    with pytest.raises(AdvisorError, match="at least 5"):
        AccuracySurrogate().fit(TRIALS[:3])
