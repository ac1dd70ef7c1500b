"""What trial k of a search draws before TPE: entry k of the seeded permutation of the grid
(opening.py) for the first ``RANDOM`` trials, then the untried candidate the surrogate rates
highest; TPE once every candidate has been tried (a long search, which then explores the
learning rate too).

Why: a search that draws every trial from the seeded permutation ignores what its trials
have shown, and on the regret benchmark it chose worse configurations than one whose later
trials the surrogate chooses. Fewer random trials first leave the surrogate too little to go
on (searches spent the rest of their budget near a corner they had seen first). ``RANDOM`` was
tuned on two truths of that benchmark; on a grid it did not see, the draws help on average,
not on every grid. The figures: docs/regret.md, "The figures behind the search's and the
ranking's rules".

A draw must not repeat what another worker of the same study is running: a candidate that
a running trial has claimed is skipped, and so is one candidate per earlier running trial
that has not claimed its own yet (it is about to take the best one), so workers that draw at
the same moment take the first, second, ... best (when they read the same finished trials; a
trial finishing between their reads can still make two of them draw alike: a wasted trial,
and a second run with the same seed that the seed-noise estimate counts as agreeing). A
candidate tried already is never drawn again here: repeats under new seeds are repeats.py's.
"""

from __future__ import annotations

import optuna
from optuna.trial import FrozenTrial

from advisor import defaults, space
from advisor.config import Config
from advisor.study import trials
from advisor.study.opening import opening

RANDOM = 14  # trials drawn from the opening before the surrogate chooses


def guided_params(study: optuna.Study, trial: FrozenTrial, model: str,
                  candidates: list[Config]) -> dict | None:
    """The Optuna parameters of the untried candidate the surrogate fitted to this study's
    finished trials rates highest, at its method's default learning rate; None when every
    candidate has been tried or claimed (TPE then draws) or too few trials have finished."""
    from advisor.accuracy.surrogate import AccuracySurrogate

    now = trials.read(study)
    claimed, unclaimed = set(), 0
    for t in now.in_flight:
        if t.number == trial.number:
            continue
        params = trials.claimed_params(t)
        if "method" in params:
            claimed.add(trials.config_key(params, lr=False))
        elif t.number < trial.number:
            unclaimed += 1
    if len(now.finished) < defaults.MIN_TRIALS:
        return None
    surrogate = AccuracySurrogate().fit(now.results)
    tried = set(surrogate.tried)
    untried = []
    for c in candidates:
        params = space.trial_params(c, model)[0]
        if (c.evidence_config() not in tried
                and trials.config_key(params, lr=False) not in claimed):
            untried.append((c, params))
    if len(untried) <= unclaimed:
        return None
    estimates = surrogate.estimate([c for c, _ in untried])
    ranked = sorted(untried, key=lambda cp: (-estimates[cp[0].evidence_config()].accuracy,
                                             cp[0].key()))
    return ranked[unclaimed][1]


class Draws:
    """The fixed parameters of trial k of a search of ``model`` with ``seed`` (None: the
    sampler's own draw). The candidates (the recommender's grid on this model by default) and
    the opening are made on the first draw: reading a study draws nothing."""

    def __init__(self, model: str, seed: int, candidates: list[Config] | None = None) -> None:
        self.model, self.seed = model, seed
        self._candidates = candidates
        self._opening: list[dict] | None = None

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> dict | None:
        if "fixed_params" in trial.system_attrs:
            return None  # queued (a repeat, repeats.py): its parameters are set already
        if self._opening is None:
            if self._candidates is None:
                from advisor.cost.screening import valid_configs

                self._candidates = valid_configs(self.model, space.grid(self.model))
            self._opening = opening(self.model, self.seed, self._candidates)
        if trial.number < min(RANDOM, len(self._opening)):
            return self._opening[trial.number]
        return guided_params(study, trial, self.model, self._candidates)
