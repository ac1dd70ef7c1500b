"""Order the evaluated candidates and say where each stands: feasible first, then the most
accurate, then the least RAM; a feasible runner-up is a close alternative when its gap to the
recommendation is within the accuracy estimate's error."""

from __future__ import annotations

from advisor.methods import METHODS
from advisor.options import Option
from advisor.verdicts import Standing


def rank_options(options: list[Option]) -> list[Option]:
    return sorted(options, key=lambda o: (not o.feasible, -o.predicted_accuracy,
                                          o.required_ram_bytes))


def with_standings(ranked: list[Option], error: float) -> list[Option]:
    """``ranked`` with each option's standing; the first is chosen if it fits."""
    chosen = ranked[0] if ranked and ranked[0].feasible else None
    out = []
    for i, option in enumerate(ranked):
        if not option.feasible:
            standing = Standing(kind="infeasible")
        elif i == 0:
            standing = Standing(kind="chosen")
        else:
            gap = chosen.predicted_accuracy - option.predicted_accuracy
            standing = Standing(kind="less_accurate" if gap > error else "close_alternative",
                                gap=gap, error=error)
        out.append(option.model_copy(update={"standing": standing}))
    return out


def alternatives(ranked: list[Option]) -> list[Option]:
    """The best runner-up of each method (the recommendation, first in ``ranked``, excluded
    when it is chosen)."""
    rest = ranked[1:] if ranked and ranked[0].feasible else ranked
    best = {}
    for option in rest:
        best.setdefault(option.method, option)
    return [best[m] for m in METHODS if m in best]
