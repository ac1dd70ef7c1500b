"""The accuracy/cost Pareto front, shared by the benchmark plots and the TUI."""

from __future__ import annotations

from collections.abc import Sequence


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the (cost, value) points no other point beats: lower or equal cost with a
    strictly higher value, or strictly lower cost with an equal or higher value. Sorted by cost.

    Sweep by cost, value descending within one cost; keep a point when its value beats every
    cheaper point's. O(n log n).
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    best = float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front
