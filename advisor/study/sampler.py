"""The study's sampler: Optuna's TPE, with the randomness of trial k drawn from (seed, k).

Why not one seeded TPESampler per process: every process that opens the study with the same
seed would then draw the same configurations (two workers started together, or a run resumed
after a kill, replaying the first run). Trial numbers are unique across all workers of a
study (the storage hands them out), so seeding each trial's draw from its number gives
distinct draws in parallel and a search that continues when resumed, while one process with
one seed still draws exactly the same sequence every time.

The first trials are not TPE's: draws.py gives them their parameters (the candidate grid in a
seeded order, then the candidates the surrogate rates highest); TPE draws after that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

STARTUP_TRIALS = 8  # random draws before TPE models the front


def _tpe(seed: int) -> TPESampler:
    return TPESampler(seed=seed, multivariate=True, group=True, n_startup_trials=STARTUP_TRIALS)


def trial_seed(seed: int, number: int) -> int:
    """A well-mixed 32-bit seed for trial ``number`` of a search seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


class TrialSeededSampler(BaseSampler):
    """TPE whose every trial draws from a generator seeded by (seed, trial number), except
    for the trials ``fixed`` gives parameters to (draws.py: the opening and the surrogate's
    choices). ``fixed`` is asked once per trial, when it starts."""

    def __init__(self, seed: int,
                 fixed: Callable[[optuna.Study, FrozenTrial], dict | None] | None = None
                 ) -> None:
        self._seed = seed
        self._tpe = _tpe(seed)
        self.fixed = fixed
        self._given: dict[int, dict | None] = {}  # trial number -> its fixed parameters

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._tpe = _tpe(trial_seed(self._seed, trial.number))
        self._tpe.before_trial(study, trial)
        self._given = {trial.number: self.fixed(study, trial) if self.fixed else None}

    def _drawn(self, trial: FrozenTrial) -> dict | None:
        return self._given.get(trial.number)

    def infer_relative_search_space(self, study: optuna.Study,
                                    trial: FrozenTrial) -> dict[str, BaseDistribution]:
        if self._drawn(trial) is not None:
            return {}
        return self._tpe.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        if self._drawn(trial) is not None:
            return {}
        return self._tpe.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        drawn = self._drawn(trial)
        if drawn is not None and param_name in drawn:
            return drawn[param_name]
        return self._tpe.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self._tpe.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._tpe.reseed_rng()
