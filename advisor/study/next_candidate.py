"""What trial k of a search draws before TPE: first the baselines (space.BASELINES: full
fine-tuning, LoRA r8 and head-only at all blocks) that no trial has tried, then entry k of the
seeded permutation of the rest of the grid (opening.py) for the first ``RANDOM`` trials, then
the untried candidate the surrogate rates highest (for the devices the search is for, where
it knows them: device_gain.py); TPE once every candidate has been tried (a long search, which
then explores the learning rate too).

Why the baselines first, whatever the trial's number: an answer must never lose to a rule of
thumb nobody measured (on the shipped study of mobilenet_v3_small `unseen`, full fine-tuning
was never tried and beat the recommendation on new seeds, with less RAM). A study extended
after it was made (the shipped evidence's, or one older than this rule) measures them first
too.

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

from collections.abc import Sequence

import optuna
from optuna.trial import FrozenTrial

from advisor import defaults, space
from advisor.config import Config
from advisor.study import trials
from advisor.study.device_gain import gains
from advisor.study.device_targets import Fits, warm
from advisor.study.opening import opening

RANDOM = 14  # trials drawn from the opening before the surrogate chooses


def model_grid(model: str, optimizer: str = defaults.OPTIMIZER) -> list[Config]:
    """The recommender's grid on this model (every valid method x rank x target policy x
    depth): what a search draws from unless told otherwise. A study with an ExecuTorch
    program's optimizer draws only what a program can run."""
    from advisor.cost.screening import valid_configs
    from advisor.methods.executorch_training import OPTIMIZER, refusal

    grid = valid_configs(model, space.grid(model))
    return [c for c in grid if refusal(c) is None] if optimizer == OPTIMIZER else grid


def _claims(now: trials.Trials, trial: FrozenTrial) -> tuple[set[tuple], int]:
    """The configurations other running trials have claimed, and how many earlier running
    trials have not claimed theirs yet (each is about to take the next best)."""
    claimed, unclaimed = set(), 0
    for t in now.in_flight:
        if t.number == trial.number:
            continue
        params = trials.claimed_params(t)
        if "method" in params:
            claimed.add(trials.config_key(params, lr=False))
        elif t.number < trial.number:
            unclaimed += 1
    return claimed, unclaimed


def untried_baselines(study: optuna.Study, model: str, candidates: list[Config],
                      but: int | None = None) -> list[dict]:
    """The Optuna parameters of the baselines among ``candidates`` that no trial (but trial
    number ``but``) has tried or claimed; a failed or refused one counts as tried, so it is
    not drawn again and again."""
    wanted = {c.evidence_config() for c in candidates}
    taken = {trials.config_key(trials.claimed_params(t), lr=False)
             for t in study.get_trials(deepcopy=False) if t.number != but}
    return [p for p in (space.trial_params(b, model)[0] for b in space.BASELINES.values()
                        if b.evidence_config() in wanted)
            if trials.config_key(p, lr=False) not in taken]


def baseline_params(study: optuna.Study, trial: FrozenTrial, model: str,
                    candidates: list[Config]) -> dict | None:
    """The first untried baseline, skipping one per earlier running trial that has not
    claimed its configuration yet; None when there is none."""
    untried = untried_baselines(study, model, candidates, but=trial.number)
    if not untried:
        return None
    _, unclaimed = _claims(trials.read(study), trial)
    return untried[unclaimed] if len(untried) > unclaimed else None


def guided_params(study: optuna.Study, trial: FrozenTrial, model: str,
                  candidates: list[Config], targets: Sequence[Fits] = ()) -> dict | None:
    """The Optuna parameters of the untried candidate the surrogate fitted to this study's
    finished trials rates highest, at its method's default learning rate: the highest
    prediction, or where ``targets`` (the devices the search is for) are given, the largest
    predicted gain over a device's best (device_gain.py). None when every candidate has been
    tried or claimed (TPE then draws) or too few trials have finished."""
    from advisor.accuracy.surrogate import AccuracySurrogate

    now = trials.read(study)
    claimed, unclaimed = _claims(now, trial)
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
    # the whole grid, one batch per device: gains asks about the tried configurations too
    warm(targets, candidates)
    worth = gains(surrogate.tried, surrogate.estimate([c for c, _ in untried]), targets)
    ranked = sorted(untried, key=lambda cp: (-worth[cp[0].evidence_config()], cp[0].key()))
    return ranked[unclaimed][1]


class Draws:
    """The fixed parameters of trial k of a search of ``model`` with ``seed`` (None: the
    sampler's own draw). The candidates (the recommender's grid on this model by default) and
    the opening are made on the first draw: reading a study draws nothing. ``targets``: the
    devices the search is for, set by the process that runs its trials (search.run_trials)."""

    def __init__(self, model: str, seed: int, candidates: list[Config] | None = None,
                 optimizer: str = defaults.OPTIMIZER) -> None:
        self.model, self.seed, self.optimizer = model, seed, optimizer
        self.targets: list[Fits] = []
        self._candidates = candidates
        self._opening: list[dict] | None = None

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> dict | None:
        if "fixed_params" in trial.system_attrs:
            return None  # queued (a repeat, repeats.py): its parameters are set already
        if self._opening is None:
            if self._candidates is None:
                self._candidates = model_grid(self.model, self.optimizer)
            self._opening = opening(self.model, self.seed, self._candidates)
        baseline = baseline_params(study, trial, self.model, self._candidates)
        if baseline is not None:
            return baseline
        if trial.number < min(RANDOM, len(self._opening)):
            return self._opening[trial.number]
        return guided_params(study, trial, self.model, self._candidates, self.targets)
