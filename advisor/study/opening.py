"""The search's opening: the candidate grid in a seeded random order, one distinct
configuration per trial (at the method's default learning rate), for the first trials
(next_candidate.RANDOM) before the surrogate chooses.

Why not TPE from the ninth trial on, as before: a short search tried few distinct
configurations (docs/regret.md, "The figures behind the search's and the ranking's rules"):
TPE draws the method first, so the one-configuration methods (head-only) came up again and
again, and it redrew good configurations at other learning rates, which a truth at one
learning rate per configuration counts as more seeds; some searches never tried an update of
all blocks with a strong method. With a few dozen trials over a grid whose accuracies differ
by less than the seed noise, covering the grid first beats modelling it. The draws stay a function
of (seed, trial number), as sampler.py requires: trial k opens with entry k of one seeded
permutation, so parallel or resumed workers never draw the same configuration (a trial
number taken by a repeat of a front-runner, repeats.py, skips its entry, which is as random
as any other).
"""

from __future__ import annotations

import random

from advisor import space
from advisor.config import Config


def opening(model: str, seed: int, candidates: list[Config]) -> list[dict]:
    """The Optuna parameters of trial k's configuration, for k < the number of candidates
    (draws.Draws passes the recommender's grid on this model: every valid method x rank x
    target policy x depth). The baselines are not in it: they are drawn before it
    (next_candidate.py), so its first entries are skipped as a repeat's are."""
    baselines = {b.evidence_config() for b in space.BASELINES.values()}
    order = sorted((c for c in candidates if c.evidence_config() not in baselines),
                   key=Config.key)  # a permutation of a fixed order, not of a set
    random.Random(seed).shuffle(order)
    return [space.trial_params(config, model)[0] for config in order]
