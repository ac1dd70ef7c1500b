"""Exact cost at any batch size from two profiles (batch 2 and 3).

For a CNN the sequence of ops of a training step does not depend on the batch size, and every
tensor is either batch-independent (weights, grads, optimizer state, BatchNorm statistics) or
proportional to it (activations and their gradients). So FLOPs per phase are affine in the batch
size, and so is the memory after every allocation of the step: m_i(b) = s_i + b * d_i. The peak
at batch b is max_i m_i(b), the upper envelope of those lines; only the few events on the
envelope are kept. tests/test_cost_scaling.py checks the result against direct profiles.
"""

from __future__ import annotations

from pydantic import BaseModel

from advisor.cost.result import CATEGORIES, Flops, Memory, StepCost

_PHASES = ("forward", "backward", "optimizer")


PROFILED_BATCHES = (2, 3)  # not 1: BatchNorm cannot train on one value per channel


def _line(p2: int, p3: int) -> tuple[int, int]:
    """(intercept at b=0, slope) through the values at b=2 and b=3."""
    return p2 - 2 * (p3 - p2), p3 - p2


class BatchScaledCost(BaseModel):
    base: StepCost  # the batch-2 profile: params, storage, config
    flops: dict[str, tuple[int, int]]  # phase -> (intercept, slope)
    envelope: list[dict[str, tuple[int, int]]]  # candidate peak events, per category
    workspace: list[tuple[int, int]]  # candidate workspace-peak events (totals)

    @classmethod
    def from_profiles(cls, one: StepCost, two: StepCost, timelines_one: tuple[list, list],
                      timelines_two: tuple[list, list]) -> BatchScaledCost:
        (timeline_one, workspace_one), (timeline_two, workspace_two) = timelines_one, \
            timelines_two
        if len(timeline_one) != len(timeline_two) or one.flops.svd_per_refresh != \
                two.flops.svd_per_refresh or len(workspace_one) != len(workspace_two):
            raise ValueError("the step's op sequence depends on the batch size")
        flops = {ph: _line(getattr(one.flops, ph), getattr(two.flops, ph)) for ph in _PHASES}
        lines = []
        for e1, e2 in zip(timeline_one, timeline_two, strict=True):
            per_cat = {c: _line(a, b) for c, a, b in zip(CATEGORIES, e1, e2, strict=True)}
            total = (sum(v[0] for v in per_cat.values()), sum(v[1] for v in per_cat.values()))
            lines.append((total, per_cat))
        workspace = [(_line(sum(e1), sum(e2)), {}) for e1, e2 in zip(workspace_one,
                                                                    workspace_two, strict=True)]
        return cls(base=one, flops=flops, envelope=_upper_envelope(lines),
                   workspace=[line for line, _ in _upper_envelope_lines(workspace)])

    def at(self, batch_size: int) -> StepCost:
        def value(line: tuple[int, int]) -> int:
            return line[0] + batch_size * line[1]

        best = max(self.envelope, key=lambda ev: sum(value(v) for v in ev.values()))
        breakdown = {c: value(best[c]) for c in CATEGORIES}
        f = {ph: value(self.flops[ph]) for ph in _PHASES}
        base = self.base
        peak = sum(breakdown.values())
        memory = Memory(peak_bytes=peak, **breakdown,
                        sum_of_category_maxima=max(base.memory.sum_of_category_maxima, peak),
                        workspace_peak_bytes=max([peak, *map(value, self.workspace)]))
        return base.model_copy(update={
            "batch_size": batch_size, "memory": memory, "mode": "fake, batch-scaled",
            "flops": Flops(**f, total=sum(f.values()),
                           svd_per_refresh=base.flops.svd_per_refresh)})


def _upper_envelope(lines: list) -> list[dict[str, tuple[int, int]]]:
    """The per-category breakdown of the events that are the maximum for some b >= 1."""
    return [per_cat for _, per_cat in _upper_envelope_lines(lines)]


def _upper_envelope_lines(lines: list) -> list:
    """The (total line, breakdown) events that are the maximum for some batch size b >= 1.

    Start with the line highest at b=1 (ties: the steeper); the next envelope line is the
    steeper line that overtakes the current one first. O(lines x envelope), both small.
    """
    def at(line, b: float) -> float:
        return line[0][0] + b * line[0][1]

    if not lines:
        return []
    current = max(lines, key=lambda ln: (at(ln, 1), ln[0][1]))
    hull, b = [current], 1.0
    while True:
        c0, m0 = current[0]
        best, best_b = None, float("inf")
        for ln in lines:
            c, m = ln[0]
            if m <= m0:
                continue
            crossing = max(b, (c0 - c) / (m - m0))
            if crossing < best_b or (crossing == best_b and m > best[0][1]):
                best, best_b = ln, crossing
        if best is None:
            return hull
        hull.append(best)
        current, b = best, best_b


def accumulated(one: BatchScaledCost, two: BatchScaledCost, batch_size: int,
                micro_batch: int) -> StepCost:
    """Exact cost of a step of ``batch_size`` samples in micro-batches of ``micro_batch``,
    from steps of one pass (``one``) and of two passes (``two``), both batch-scaled over the
    micro-batch size. Every pass after the first repeats the second exactly (same ops, the
    gradients of the earlier passes already live), so FLOPs add one (second - first) per
    extra pass and the memory peak is the two-pass step's."""
    parts = batch_size // micro_batch
    first, second = one.at(micro_batch), two.at(micro_batch)
    if parts == 1:
        return first
    f = {ph: getattr(first.flops, ph) + (parts - 1) * (getattr(second.flops, ph)
                                                       - getattr(first.flops, ph))
         for ph in _PHASES}
    config = second.config.model_copy(update={"micro_batch": micro_batch})
    return second.model_copy(update={
        "batch_size": batch_size, "config": config, "mode": "fake, batch-scaled",
        "flops": Flops(**f, total=sum(f.values()),
                       svd_per_refresh=second.flops.svd_per_refresh)})
