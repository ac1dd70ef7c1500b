"""The accuracy surrogate: measured where tried, predicted (with a measured error) elsewhere."""

import math

import pytest

from advisor.config import Config
from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import lr_scale
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
LORA16 = Config(method="lora", rank=16, targets="pointwise")
HEAD = Config(method="head")


def test_tried_configurations_keep_their_best_measured_accuracy():
    s = AccuracySurrogate().fit(TRIALS)
    scores = s.estimate([LORA16, HEAD])
    assert (scores[LORA16].accuracy, lr_scale(scores[LORA16].config)) == (0.93, 1.0)
    assert (scores[HEAD].accuracy, lr_scale(scores[HEAD].config)) == (0.50, 1.0)
    assert scores[LORA16].measured and scores[HEAD].measured
    assert s.n_trials == 7 and 0 < s.cv_mae < 0.5 and math.isfinite(s.cv_mae)


def test_untried_configurations_are_predicted_from_their_neighbours():
    """LoRA r8 was never tried: its prediction must come from the LoRA trials around it
    (0.88 at r4, 0.93 at r16, both at the default lr), not from the other methods (mean 0.76),
    and at a learning rate that did not fail (3x the default gave 0.60)."""
    s = AccuracySurrogate().fit(TRIALS)
    lora8 = Config(method="lora", rank=8, targets="pointwise")
    estimate = s.estimate([lora8])[lora8]
    assert not estimate.measured
    assert 0.83 <= estimate.accuracy <= 0.93
    assert lr_scale(estimate.config) < 3.0


def test_too_few_trials_is_a_user_error():
    with pytest.raises(AdvisorError, match="at least 5"):
        AccuracySurrogate().fit(TRIALS[:3])
