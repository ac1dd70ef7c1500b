"""What the recommender knows about a configuration's accuracy, apart from how it was learned.

Kept free of scikit-learn so that a recommendation from precomputed evidence (shipped.py)
never imports it: the warm ``advisor recommend`` is mostly import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from advisor.config import Config
from advisor.errors import AdvisorError


class NotEnoughTrials(AdvisorError):
    """The study has too few completed trials to learn from."""


@dataclass(frozen=True)
class Estimate:
    """The accuracy of a candidate at its best learning rate, and whether it was measured."""

    accuracy: float
    config: Config  # the candidate with that learning rate
    measured: bool
    half_width: float | None = None  # of its 90% interval (None: measured, noise unknown)
    runs: int = 0  # trials averaged into ``accuracy`` (0: predicted)


class Estimator(Protocol):
    """What ``decide`` reads from the accuracy side: a surrogate fitted to a study's trials
    (surrogate.py) or the shipped evidence's estimates (shipped.py)."""

    n_trials: int
    cv_mae: float
    tried: dict[Config, Estimate]

    def estimate(self, candidates: list[Config]) -> dict[Config, Estimate]: ...
