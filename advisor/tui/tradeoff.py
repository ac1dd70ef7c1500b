"""Accuracy against RAM (or FLOPs) for every candidate: the device's limit drawn in, the Pareto
front joined, the recommendation starred. Drawn with plotext (textual-plotext).

Each candidate sits at the accuracy it was ranked on: where the choice was made at the device's
resolution (decision/confirmation.py), the candidates measured there sit at that figure and
are marked, or the star would sit below candidates it beat where it counts."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from advisor.decision.answer import Option, Recommendation
from advisor.decision.explain import decided_there, deciding_accuracy
from advisor.decision.pareto import pareto_front

MiB = 2**20


class TradeOffPlot(PlotextPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = "memory"
        self.result: Recommendation | None = None
        self.ram_limit: int | None = None
        self.flops_limit: float | None = None

    def show(self, result: Recommendation, ram_limit: int, flops_limit: float | None) -> None:
        """``ram_limit``: bytes the device (or --max-memory) allows; ``flops_limit``: FLOPs per
        step the update-time limit allows, if one is set."""
        self.result, self.ram_limit, self.flops_limit = result, ram_limit, flops_limit
        self.draw()

    def toggle_axis(self) -> str:
        self.axis = "flops" if self.axis == "memory" else "memory"
        self.draw()
        return self.axis

    def _x(self, option: Option) -> float:
        """log10 of MiB or GFLOP: plotext's own log axis mishandles explicit limits."""
        if self.axis == "memory":
            return math.log10(option.required_ram_bytes / MiB)
        return math.log10(option.flops_per_step / 1e9)

    def draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        result = self.result
        if result is None or not result.ranked:
            plt.title("no candidates yet")
            self.refresh()
            return
        options = result.ranked
        fits = [o for o in options if o.feasible]
        broken = [o for o in options if not o.feasible]
        there = [o for o in options if decided_there(o)]
        if broken:
            plt.scatter([self._x(o) for o in broken], [_y(o) for o in broken],
                        marker="x", color="red", label="does not fit")
        if fits:
            plt.scatter([self._x(o) for o in fits], [_y(o) for o in fits],
                        marker="dot", color="green", label="fits")
        if there:
            plt.scatter([self._x(o) for o in there], [_y(o) for o in there], marker="◆",
                        color="magenta", label=f"measured at {there[0].confirmed.resolution} px")
        front = [options[i] for i in pareto_front([(self._x(o), deciding_accuracy(o))
                                                   for o in options])]
        plt.plot([self._x(o) for o in front], [_y(o) for o in front],
                 color="yellow", marker="braille", label="Pareto front")
        value = (self.ram_limit / MiB if self.axis == "memory" and self.ram_limit
                 else self.flops_limit / 1e9 if self.axis == "flops" and self.flops_limit
                 else None)
        limit = math.log10(value) if value else None
        xs = [self._x(o) for o in options] + ([limit] if limit is not None else [])
        low, high = min(xs) - 0.06, max(xs) + 0.06  # the limit is always in view
        plt.xlim(low, high)
        ticks = _ticks(low, high)
        plt.xticks([math.log10(t) for t in ticks], [f"{t:g}" for t in ticks])
        if limit is not None:
            plt.vline(limit, color="red")
        chosen = result.recommendation
        if chosen is not None:
            plt.scatter([self._x(chosen)], [_y(chosen)], marker="★",
                        color="cyan", label="recommended")
        plt.xlabel(("RAM needed, MiB" if self.axis == "memory" else "GFLOP per step")
                   + (" · red: limit" if limit is not None else "") + " · log scale")
        plt.ylabel("accuracy %" + (" (◆ at the device's resolution, others at the trials')"
                                   if there else ""))
        self.refresh()


def _y(option: Option) -> float:
    return 100 * deciding_accuracy(option)


def _ticks(low: float, high: float) -> list[float]:
    """1-2-5 values between 10**low and 10**high, at most 6 of them."""
    ticks = [m * 10**e for e in range(math.floor(low) - 1, math.ceil(high) + 1)
             for m in (1, 2, 5) if low <= math.log10(m * 10**e) <= high]
    while len(ticks) > 6:
        ticks = ticks[::2]
    return ticks
