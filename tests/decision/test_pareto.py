"""The Pareto front against a brute-force definition."""

import random

from advisor.decision.pareto import pareto_front


def _dominated(p, q):  # q beats p
    return q[0] <= p[0] and q[1] >= p[1] and q != p


def test_matches_brute_force_on_random_points():
    rng = random.Random(0)
    for _ in range(200):
        pts = [(rng.randint(0, 20), rng.randint(0, 20)) for _ in range(rng.randint(1, 15))]
        front = pareto_front(pts)
        expected = {p for p in pts if not any(_dominated(p, q) for q in pts)}
        assert {pts[i] for i in front} == expected
        assert len(front) == len({pts[i] for i in front})  # duplicates appear once
        costs = [pts[i][0] for i in front]
        assert costs == sorted(costs)
