"""The surrogate's draw for the devices a search is for (advisor/study/device_gain.py)."""

from __future__ import annotations

from advisor.accuracy.estimate import Estimate
from advisor.config import Config
from advisor.study.device_gain import gains

FULL = Config(method="full")
HEAD = Config(method="head")
BIAS = Config(method="bias")
LORA = Config(method="lora", rank=8, targets="no-depthwise")
DORA = Config(method="dora", rank=8, targets="no-depthwise")
GALORE = Config(method="galore", rank=8, targets="all")


def _measured(accuracy: float, config: Config) -> Estimate:
    return Estimate(accuracy=accuracy, config=config, measured=True, runs=1)


def _predicted(accuracy: float, config: Config) -> Estimate:
    return Estimate(accuracy=accuracy, config=config, measured=False, half_width=0.02)


def _order(worth: dict[Config, float]) -> list[Config]:
    return sorted(worth, key=lambda c: -worth[c])


def test_without_devices_the_order_is_the_predictions():
    tried = {FULL: _measured(0.90, FULL), HEAD: _measured(0.70, HEAD)}
    predicted = {c: _predicted(a, c) for c, a in ((LORA, 0.85), (DORA, 0.92), (BIAS, 0.60))}
    assert _order(gains(tried, predicted)) == [DORA, LORA, BIAS]


def test_a_candidate_that_can_raise_a_small_devices_best_comes_before_a_better_one():
    """The large device fits everything and has 0.90 measured; the small one fits only the
    light updates, whose best measured is 0.70. LoRA (0.85, fits the small one) could raise
    its answer by 15 points; DoRA (0.92, large device only) the large one's by 2."""
    small = {HEAD, BIAS, LORA}.__contains__
    large = {FULL, HEAD, BIAS, LORA, DORA, GALORE}.__contains__
    tried = {FULL: _measured(0.90, FULL), HEAD: _measured(0.70, HEAD)}
    predicted = {LORA: _predicted(0.85, LORA), DORA: _predicted(0.92, DORA)}
    worth = gains(tried, predicted, [large, small])
    assert _order(worth) == [LORA, DORA]
    assert abs(worth[LORA] - 0.15) < 1e-9 and abs(worth[DORA] - 0.02) < 1e-9


def test_a_candidate_that_fits_no_device_comes_last():
    small = {HEAD, LORA}.__contains__
    tried = {HEAD: _measured(0.70, HEAD)}
    predicted = {GALORE: _predicted(0.95, GALORE), LORA: _predicted(0.60, LORA)}
    assert _order(gains(tried, predicted, [small])) == [LORA, GALORE]


def test_a_device_nothing_measured_fits_is_served_first():
    tiny = {BIAS}.__contains__
    large = {FULL, HEAD, BIAS, LORA, DORA}.__contains__
    tried = {FULL: _measured(0.90, FULL)}
    predicted = {BIAS: _predicted(0.55, BIAS), DORA: _predicted(0.95, DORA)}
    assert _order(gains(tried, predicted, [large, tiny])) == [BIAS, DORA]
