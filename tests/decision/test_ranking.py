"""Ties (decision/ranking.py): the cheaper of two options only wins when the evidence cannot
tell them apart, and a single trial never can."""

from advisor.config import Config
from advisor.decision.answer import Option
from advisor.decision.ranking import rank_options


def _option(config: Config, accuracy: float, runs: int, ram: int) -> Option:
    return Option.model_construct(
        **config.model_dump(), predicted_accuracy=accuracy, accuracy_error=0.02,
        measured_accuracy=accuracy if runs else None, measured_runs=runs,
        required_ram_bytes=ram, violations=[], update_seconds=1.0, flash_bytes=1)


BEST = Config(method="full")
CHEAP = Config(method="lora", rank=4, targets="pointwise")


def _chosen(best_runs: int, cheap_runs: int, gap: float = 0.003) -> Config:
    options = [_option(BEST, 0.93, best_runs, ram=600), _option(CHEAP, 0.93 - gap, cheap_runs,
                                                                   ram=300)]
    chosen = rank_options(options)[0]
    return CHEAP if chosen.method == "lora" else BEST


def test_a_cheaper_option_within_the_margin_wins_when_it_is_a_mean_of_repeats():
    assert _chosen(best_runs=3, cheap_runs=2) == CHEAP
    assert _chosen(best_runs=1, cheap_runs=3) == CHEAP  # the repeated figure is the surer one


def test_a_single_trial_or_a_prediction_never_ties():
    assert _chosen(best_runs=3, cheap_runs=1) == BEST  # the winner's curse
    assert _chosen(best_runs=3, cheap_runs=0) == BEST


def test_beyond_half_a_point_nothing_ties():
    assert _chosen(best_runs=3, cheap_runs=3, gap=0.006) == BEST
