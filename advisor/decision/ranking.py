"""Order the evaluated candidates and say where each stands.

Ties: a feasible option is tied with the most accurate feasible one when its estimate lies
inside the most accurate one's 90% interval (surrogate.py: the interval of the mean of its
trials, or the calibrated interval of a prediction) and at most ``EQUIVALENT`` (half a point)
below it, and its own estimate is a mean of at least ``TIE_RUNS`` trials. Only the best's
uncertainty counts: an option's own wide interval must not make it a winner. Without an
interval (a study that repeated nothing) nothing is tied.
The evidence cannot tell tied options apart, so among them the cheapest for the device is
chosen: by ``prefer``, the RAM needed by default (RAM is what most often rules an update out
on an edge device), or the update time, or the flash; the accuracy breaks exact cost ties.
The others follow by accuracy, then RAM; the infeasible last.

Why the half-point cap: the interval of an untried prediction is an interval for one new
trial, seed noise included, and with a few dozen trials it is several points wide; the
cheapest option anywhere in it gave away accuracy the evidence did show. Half a point is also
where the regret benchmark itself calls two accuracies equal ("the cheapest configuration
within 0.5 points").

Why a prediction is never tied with a measurement: a cheap untried configuration predicted a
few tenths below the measured best was chosen over it, and the prediction, a smooth guess
across methods and depths, was often wrong by points.

Why a single trial never ties either: among the many cheap configurations a search runs once,
the luckiest lands within half a point of the best (the winner's curse). A cheaper option the
search repeated may still tie with a best measured once: its mean is the surer figure of the
two. Requiring repeats of the best as well lowered the regret a little more, but moved the main
question's answer to a configuration measured once at 32 px and never at the device's
resolution (docs/regret.md, "The tie rule").

What each rule did to the regret: docs/regret.md, "The figures behind the search's and the
ranking's rules".
"""

from __future__ import annotations

from advisor.decision.answer import Option
from advisor.decision.question import Question
from advisor.decision.verdicts import EQUIVALENT, PREFER_DEFAULT, PREFERENCES, Preference, Standing
from advisor.methods import METHODS


def cost(option: Option, prefer: Preference) -> float:
    """What ``prefer`` compares among tied options."""
    return getattr(option, PREFERENCES[prefer])


def margin(error: float | None) -> float:
    """The tie margin of a best figure with this 90% interval half-width (none: no ties)."""
    return min(error or 0.0, EQUIVALENT)


def tie_margin(best: Option) -> float:
    return margin(best.accuracy_error)


TIE_RUNS = 2  # trials behind a cheaper option's figure before it may tie with the best


def tied(best: Option, option: Option) -> bool:
    if option is best:
        return True
    if option.measured_runs < TIE_RUNS:
        return False  # a prediction or a single trial cannot be shown to equal anything
    return best.predicted_accuracy - option.predicted_accuracy <= tie_margin(best)


def rank_options(options: list[Option], prefer: Preference = PREFER_DEFAULT) -> list[Option]:
    by_accuracy = sorted(options, key=lambda o: (not o.feasible, -o.predicted_accuracy,
                                                 o.required_ram_bytes))
    if not by_accuracy or not by_accuracy[0].feasible:
        return by_accuracy
    best = by_accuracy[0]
    chosen = min((o for o in by_accuracy if o.feasible and tied(best, o)),
                 key=lambda o: (cost(o, prefer), -o.predicted_accuracy))
    return [chosen, *(o for o in by_accuracy if o is not chosen)]


def with_standings(ranked: list[Option], prefer: Preference = PREFER_DEFAULT) -> list[Option]:
    """``ranked`` with each option's standing; the first is chosen if it fits."""
    chosen = ranked[0] if ranked and ranked[0].feasible else None
    best = max((o for o in ranked if o.feasible), key=lambda o: o.predicted_accuracy,
               default=None)
    ties = sum(tied(best, o) for o in ranked if o.feasible) if best else 0
    out = []
    for i, option in enumerate(ranked):
        if not option.feasible or chosen is None or best is None:
            standing = Standing(kind="infeasible")
        elif i == 0:
            standing = Standing(kind="chosen", gap=best.predicted_accuracy
                                - option.predicted_accuracy, error=tie_margin(best),
                                ties=ties - 1, prefer=prefer)
        else:
            standing = Standing(kind="tied" if tied(best, option) else "less_accurate",
                                gap=chosen.predicted_accuracy - option.predicted_accuracy,
                                error=tie_margin(best), prefer=prefer)
        out.append(option.model_copy(update={"standing": standing}))
    return out


def rank(options: list[Option], question: Question) -> list[Option]:
    """``options`` in order for this question, each with its standing."""
    return with_standings(rank_options(options, question.prefer), question.prefer)


def alternatives(ranked: list[Option]) -> list[Option]:
    """The best runner-up of each method (the recommendation, first in ``ranked``, excluded
    when it is chosen)."""
    rest = ranked[1:] if ranked and ranked[0].feasible else ranked
    best = {}
    for option in rest:
        best.setdefault(option.method, option)
    return [best[m] for m in METHODS if m in best]
