"""Which trials the search runs again under new seeds, so that what decides has a mean.

One trial is one draw of the seed's luck: the same configuration under other seeds spreads
over points (issue 12). The configurations that decide a recommendation are the
front-runners, so from trial ``START`` on, every ``EVERY``-th trial of a search re-runs the
most accurate configuration (same parameters, learning rate included) that has fewer than
``SEEDS`` trials, with the next seed. The surrogate averages such
repeats (surrogate.py), and their spread is part of the intervals it prints. A repeat is
queued through Optuna's own ``enqueue_trial``, with its seed as a user attribute that the
objective reads.

Why from the thirteenth trial and one in four (it was the ninth and one in three): a repeat is
a trial not spent on a configuration nobody has tried, and in a short search coverage decides
more than a second seed does. Repeats are kept although they did not lower the regret on
the regret benchmark: they are what gives a measured accuracy its interval.

From trial ``START`` on, the last ``CONFIRM`` trials of a search process re-run front-runners
too (in a process of fewer than eight trials, a quarter of them): the decision is taken right
after them, and the configuration that leads on one run is the one most likely to lead by luck
(the winner's curse: on resnet18 `shift` a single lucky run of a weak configuration beat
configurations truly better). Not before ``START``, for the reason the periodic repeats start
late: in a search that is all random opening, confirming raised the regret. Every process
confirms its own last trials, so a search spread over workers confirms more front-runners
(each a different one: a running repeat is not queued twice).

Which front-runner, where the search knows the devices it is for (``targets``: one "does it
fit" per device): the search's most accurate configuration may fit none of them (on
mobilenet_v2 `shift`, GaLore r2 at all blocks), and then every repeat went to it and to its
peers while each device's own answer stayed one run, lucky or not. So each repeat takes the
devices in turn and re-runs the most accurate open configuration that fits the device in turn
and lies within ``CLOSE`` of the best that fits it (the half point within which the
recommender calls two accuracies equal): the device's leader, or a configuration it could be
tied with. A device none of whose contenders is open is settled and skipped; with every
device settled, or no devices given, the most accurate open configuration, as before.

What each schedule did to the regret: docs/regret.md, "The figures behind the search's and the
ranking's rules".
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna

from advisor import defaults
from advisor.config import TrialConfig
from advisor.study.device_targets import Fits, warm
from advisor.study.trials import claimed_params, config_key, read

START = 12  # trials before the first repeat is due
EVERY = 4  # from then on, one trial in four is a repeat
SEEDS = 3  # trials per front-runner, each with its own seed
CONFIRM = 2  # the last trials of a search process, each a repeat of a front-runner
CLOSE = 0.005  # a device's contenders: within half a point of the best that fits it


def seed_of(trial: optuna.trial.BaseTrial) -> int:
    """The fine-tune seed of a trial: the default, or the one its repeat was queued with."""
    return int(trial.user_attrs.get("seed", defaults.SEED))


def due(study: optuna.Study, left: int, trials: int) -> bool:
    """Whether the next trial of this study should be a repeat, with ``left`` of this search
    process's ``trials`` still to run (the next one included). Nothing is repeated before
    trial ``START``, and at most a quarter of a process's trials confirm: a search extended a
    trial or two at a time must still explore."""
    n = len(study.get_trials(deepcopy=False))
    return n >= START and (left <= min(CONFIRM, trials // 4) or n % EVERY == EVERY - 1)


def queue_front_runner(study: optuna.Study, targets: Sequence[Fits] = ()) -> bool:
    """Queue a front-runner with fewer than ``SEEDS`` trials (and none queued or running)
    once more, with a seed it has not had: a contender of the next device in turn among
    ``targets``, else the most accurate such configuration. Returns whether one was."""
    now = read(study)
    busy = {config_key(claimed_params(t)) for t in now.in_flight}
    groups: dict[tuple, list[optuna.trial.FrozenTrial]] = {}
    for t in now.finished:
        groups.setdefault(config_key(t.params), []).append(t)
    open_ = {k: ts for k, ts in groups.items() if len(ts) < SEEDS and k not in busy}
    if not open_:
        return False
    means = {k: sum(t.values[0] for t in ts) / len(ts) for k, ts in groups.items()}
    turn = sum("seed" in t.user_attrs for t in study.get_trials(deepcopy=False))
    key = _device_contender(groups, open_, means, targets, turn) or max(open_, key=means.get)
    used = {seed_of(t) for t in open_[key]}
    seed = next(s for s in range(defaults.SEED, defaults.SEED + SEEDS + len(used) + 1)
                if s not in used)
    study.enqueue_trial(dict(key), user_attrs={"seed": seed})
    return True


def _device_contender(groups: dict[tuple, list[optuna.trial.FrozenTrial]], open_: dict,
                      means: dict[tuple, float], targets: Sequence[Fits],
                      turn: int) -> tuple | None:
    """The most accurate open configuration within ``CLOSE`` of the best that fits the
    device in turn (``turn``: repeats so far), trying the next device while one is settled."""
    if not targets:
        return None
    config = {k: TrialConfig.model_validate(ts[0].user_attrs["result"]["config"])
              .evidence_config() for k, ts in groups.items()}
    warm(targets, list(config.values()))  # the first repeats come before any guided draw
    for i in range(len(targets)):
        fits = targets[(turn + i) % len(targets)]
        fitting = [k for k in groups if fits(config[k])]
        if not fitting:
            continue
        best = max(means[k] for k in fitting)
        contenders = [k for k in fitting if k in open_ and means[k] >= best - CLOSE]
        if contenders:
            return max(contenders, key=means.get)
    return None
