"""The accuracy surrogate: measured where tried, predicted (with a measured error) elsewhere."""

import math

import numpy as np
import pytest

from advisor.accuracy.surrogate import AccuracySurrogate
from advisor.config import Config
from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import lr_scale


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


def test_repeated_trials_are_averaged_and_the_lr_is_chosen_by_the_mean():
    """A lucky seed does not make a learning rate: lr x1 measured 0.93 and 0.81 (mean 0.87),
    lr x0.5 measured 0.90 once: x0.5 is the better evidence."""
    repeats = [*TRIALS[:-1], _result("lora", 16, "pointwise", 0.81),
               _result("lora", 16, "pointwise", 0.90, lr_scale=0.5)]
    estimate = AccuracySurrogate().fit(repeats).estimate([LORA16])[LORA16]
    assert (estimate.accuracy, lr_scale(estimate.config), estimate.runs) == (0.90, 0.5, 1)
    again = AccuracySurrogate().fit([*repeats, _result("lora", 16, "pointwise", 0.99)])
    estimate = again.estimate([LORA16])[LORA16]
    assert lr_scale(estimate.config) == 1.0 and estimate.runs == 3
    assert estimate.accuracy == pytest.approx((0.93 + 0.81 + 0.99) / 3)


def test_every_estimate_carries_an_interval_and_held_out_trials_fall_in_it_90_percent():
    """Synthetic trials with a known seed noise (sd 3 points) around a smooth truth: the
    printed 90% intervals, fitted without the trials they are checked on, hold about 90% of
    them; +- the cross-validated mean error, as advisor printed before, held fewer."""
    from advisor.accuracy.surrogate import held_out_coverage

    rng = np.random.default_rng(0)
    truth = {"head": 0.55, "bias": 0.7, "norm_head": 0.75, "full": 0.9, "lora": 0.85,
             "dora": 0.86, "galore": 0.84}
    trials = []
    for _ in range(120):
        method = str(rng.choice(list(truth)))
        rank = int(rng.choice([1, 2, 4, 8, 16])) if METHODS[method].uses_rank else None
        scale = float(np.exp(rng.uniform(np.log(0.25), np.log(4))))
        mean = truth[method] + (0.01 * np.log2(rank) if rank else 0) - 0.04 * np.log(scale) ** 2
        trials.append(_result(method, rank, "pointwise", float(mean + rng.normal(0, 0.03)),
                              lr_scale=scale))
    inside, within_mae, total = held_out_coverage(trials)
    assert total == 120 and 0.82 <= inside / total <= 0.98
    assert within_mae < inside
    untried = Config(method="lora", rank=32, targets="all")
    estimates = AccuracySurrogate().fit(trials).estimate([HEAD, untried])
    assert 0 < estimates[untried].half_width < 0.5 and not estimates[untried].measured
    assert estimates[HEAD].measured and estimates[HEAD].half_width is None  # no repeats
    repeats = [_result("head", None, "no-depthwise", a) for a in (0.52, 0.58, 0.55, 0.56)]
    s = AccuracySurrogate().fit(trials + repeats)
    assert s.seed_df == 3 and s.seed_sd == pytest.approx(np.std([0.52, 0.58, 0.55, 0.56],
                                                                 ddof=1))
    assert 0 < s.estimate([HEAD])[HEAD].half_width < 0.2
