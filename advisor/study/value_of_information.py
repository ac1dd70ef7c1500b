"""The trial a search spends, just before it ends, on the untried candidate that could still
replace its best at less memory.

Why: a search ends with a best measured configuration and, around it, untried candidates the
surrogate cannot tell from it (their 90% interval reaches the best's measured mean). Among
those, one that needs less memory than the best would be the answer on every device where
memory binds, had it been measured; trying it is worth a trial (value of information), where
a further random draw is luck. Memory is compared at one device-independent scale (batch 32,
224 px: ``SCALE``), the exact fake-tensor cost, so the choice does not depend on which device
asks later; the profiles are cached (cost/cache.py), and the close candidates are profiled
best-first until one is lighter.

When: the trial before the last ``repeats.CONFIRM`` confirmations of a search process, from
trial ``repeats.START`` on (earlier the surrogate has seen too little to say what is close),
so that a candidate that turns out best is confirmed under new seeds right after.
"""

from __future__ import annotations

import optuna

from advisor import space
from advisor.config import Config
from advisor.study import repeats
from advisor.study.trials import claimed_params, config_key, read

SCALE = (32, 224)  # (batch, px) at which the memory of two candidates is compared


def due(study: optuna.Study, left: int, trials: int) -> bool:
    """Whether the next trial of this search process (``left`` of its ``trials`` to run) is
    the one spent on value of information: the one just before its confirmations."""
    n = len(study.get_trials(deepcopy=False))
    return trials >= 4 and n >= repeats.START and left == min(repeats.CONFIRM, trials // 4) + 1


def worth_trying(study: optuna.Study, model: str, candidates: list[Config],
                 num_classes: int) -> Config | None:
    """The untried candidate (not claimed by a running trial) whose interval reaches the best
    measured mean and whose peak memory at ``SCALE`` is below the best's: the one the
    surrogate rates highest. None when none qualifies."""
    from advisor import defaults
    from advisor.accuracy.surrogate import AccuracySurrogate
    from advisor.cost.cache import costs

    now = read(study)
    if len(now.finished) < defaults.MIN_TRIALS:
        return None
    surrogate = AccuracySurrogate().fit(now.results)
    best = max(surrogate.tried.values(), key=lambda e: (e.accuracy, e.runs))
    busy = {config_key(claimed_params(t), lr=False) for t in now.in_flight}
    untried = [c for c in dict.fromkeys(c.evidence_config() for c in candidates)
               if c not in surrogate.tried
               and config_key(space.trial_params(c, model)[0], lr=False) not in busy]
    estimates = surrogate.estimate(untried)
    close = [c for c in untried
             if estimates[c].accuracy + (estimates[c].half_width or 0.0) >= best.accuracy]
    if not close:
        return None

    def peak(config: Config) -> int:
        return costs(model, [config], *SCALE, num_classes)[config].memory.peak_bytes

    ceiling = peak(best.config.evidence_config())
    # best-first, so that usually one or two are profiled, not every close candidate
    for c in sorted(close, key=lambda c: (-estimates[c].accuracy, c.key())):
        if peak(c) < ceiling:
            return c
    return None


def queue_worth_trying(study: optuna.Study, model: str, candidates: list[Config],
                       num_classes: int) -> bool:
    """Queue ``worth_trying``'s candidate at its method's default learning rate (marked
    ``value_of_information`` in its user attributes). Returns whether one was."""
    config = worth_trying(study, model, candidates, num_classes)
    if config is None:
        return False
    study.enqueue_trial(space.trial_params(config, model)[0],
                        user_attrs={"value_of_information": True})
    return True
