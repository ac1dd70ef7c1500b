"""What trial k of a search draws before TPE: entry k of the seeded permutation of the grid
(opening.py) for the first ``RANDOM`` trials, then the untried candidate the surrogate rates
highest; TPE once every candidate has been tried (a long search, which then explores the
learning rate too).

Why: on the regret benchmark's ground truths (benchmarks/regret.py, mobilenet_v3_small_050,
ranks 2/8/32, 103 configurations x 3 seeds, 20 search seeds, three devices), a search of 20%
of the grid (21 trials) that drew every trial from the seeded permutation chose
configurations 0.80 (`shift`) and 0.78 (`unseen`) points below the best that fits; with the
first 14 trials from it and the later ones chosen by the surrogate, 0.44 and 0.44 (random
search of as many distinct configurations: 0.98 and 0.67). Fewer random trials first left
the surrogate too little to go on: after 10, 0.42 and 1.09 (on `unseen` some searches spent
the rest of their budget near a corner they had seen first); after 6, with an exploration
bonus of half the prediction's 90% half-width, 0.29 and 0.84. The choice of 14 was made on
these two truths (scratch replays, not shipped); on a grid it did not see (ranks 1/4/16,
`shift`) the search measured 0.93 at 20% (random search 0.92, the opening alone 0.53) and
0.22 at 40% (random 0.60): the draws help on average (0.60 over the three truths at 20%,
against 0.70 for the opening alone), not on every grid. docs/regret.md.

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
from optuna.trial import FrozenTrial, TrialState

from advisor import defaults, space
from advisor.config import Config
from advisor.study.opening import opening

RANDOM = 14  # trials drawn from the opening before the surrogate chooses


def guided_params(study: optuna.Study, trial: FrozenTrial, model: str,
                  candidates: list[Config]) -> dict | None:
    """The Optuna parameters of the untried candidate the surrogate fitted to this study's
    finished trials rates highest, at its method's default learning rate; None when every
    candidate has been tried or claimed (TPE then draws) or too few trials have finished."""
    from advisor.accuracy.surrogate import AccuracySurrogate

    finished, claimed, unclaimed = [], set(), 0
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.COMPLETE and "result" in t.user_attrs:
            finished.append(t.user_attrs["result"])
        elif t.state in (TrialState.RUNNING, TrialState.WAITING) and t.number != trial.number:
            params = t.system_attrs.get("fixed_params", t.params)
            if "method" in params:
                claimed.add(_claim(params))
            elif t.number < trial.number:
                unclaimed += 1
    if len(finished) < defaults.MIN_TRIALS:
        return None
    surrogate = AccuracySurrogate().fit(finished)
    tried = set(surrogate.tried)
    untried = []
    for c in candidates:
        params = space.trial_params(c, model)[0]
        if c.evidence_config() not in tried and _claim(params) not in claimed:
            untried.append((c, params))
    if len(untried) <= unclaimed:
        return None
    estimates = surrogate.estimate([c for c, _ in untried])
    ranked = sorted(untried, key=lambda cp: (-estimates[cp[0].evidence_config()].accuracy,
                                             cp[0].key()))
    return ranked[unclaimed][1]


def _claim(params: dict) -> tuple:
    """What a trial's parameters claim: its configuration, at whatever learning rate."""
    return tuple(sorted((k, v) for k, v in params.items() if k != "lr_scale"))


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
