"""benchmarks/resolution_gain.py: the held-out predictors of a configuration's accuracy at
another resolution (issue 30, item 3)."""

import sys

import pytest

from advisor.config import Config


@pytest.fixture(scope="module")
def gain(benchmark_script):
    return benchmark_script("resolution_gain")


def test_the_frozen_share_counts_blocks_from_the_head(gain):
    assert gain.frozen_share(Config(method="head"), 13) == 1.0
    assert gain.frozen_share(Config(method="full"), 13) == 0.0
    assert gain.frozen_share(Config(method="lora", rank=4, depth=3), 12) == pytest.approx(0.75)


def test_a_gain_linear_in_the_frozen_share_is_predicted_exactly(gain):
    """Gain 2 + 8 x share: the offset misses the held-out depth-limited update, the reach
    model does not."""
    configs = [Config(method="full"), Config(method="bias"), Config(method="head"),
               Config(method="lora", rank=4, depth=3), Config(method="lora", rank=4, depth=6)]
    low = {c: [80.0 + i, 82.0 + i] for i, c in enumerate(configs)}
    high = {c: [v + 2 + 8 * gain.frozen_share(c, 12) for v in low[c]] for c in configs}
    held = configs[3]
    truth = sum(high[held]) / 2
    assert gain.by_reach(low, high, held, blocks=12) == pytest.approx(truth)
    assert abs(gain.by_offset(low, high, held) - truth) > 1


def test_the_shipped_runs_give_a_row_per_model_and_resolution(gain, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["resolution_gain.py"])
    gain.main()
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| mobilenet")]
    assert {r.split(" | ")[1] for r in rows} == {"32 -> 64 px", "32 -> 96 px", "32 -> 224 px"}
    assert len(rows) == 6
