"""The regret benchmark's replay of `advisor search` told its devices: the repeats go to
the configurations that fit them, on a committed truth (nothing trains)."""

from collections import Counter

import pytest

from advisor.config import TrialConfig

MODEL, TASK, BUDGET = "mobilenet_v2", "shift", 21  # 20% of its grid of ranks 2/8/32


@pytest.fixture(scope="module")
def truth(benchmark_script):
    regret_truth = benchmark_script("regret_truth")
    configs = regret_truth.the_grid(MODEL, [2, 8, 32], ["all", "half", "quarter", "last"])
    return regret_truth.measure_truth(MODEL, TASK, configs, 3, 4, 1, regret_truth.TRUTHS)


def _repeated(replay, truth, fitting) -> set:
    """The configurations the search ran more than once."""
    taken = replay.advisor_trials(truth, BUDGET, 0, {c: 1 for c in truth.runs}, 10, fitting)
    runs = Counter(TrialConfig.model_validate(r["config"]).evidence_config() for r in taken)
    return {c for c, n in runs.items() if n > 1}


@pytest.mark.slow
def test_a_search_told_its_device_repeats_what_fits_it(benchmark_script, truth):
    """A device that fits only depth-limited updates: blind, the repeats go to updates of all
    blocks (the most accurate); told, to the device's own front-runners."""
    replay = benchmark_script("regret_replay")
    fits = {c for c in truth.runs if c.depth is not None}
    told, blind = _repeated(replay, truth, [fits]), _repeated(replay, truth, [])
    assert told and told & fits
    assert blind and not blind & fits
