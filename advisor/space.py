"""The configuration space shared by the search, the surrogate and the recommender.

A configuration is what a user would run: method, rank, target layers, learning rate. Only
method, rank and targets change the cost of a step, so the recommender's candidate grid is
over those (with the learning rate the study found best for each method).
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.methods import METHODS, TARGET_POLICIES

TASKS = ("unseen", "shift")  # the study's two update scenarios (see tasks.py)
RANKS = (1, 2, 4, 8, 16, 32)
TARGETS = tuple(TARGET_POLICIES)


@dataclass(frozen=True, order=True)
class Config:
    method: str
    rank: int | None = None
    targets: str = "no-depthwise"

    @property
    def label(self) -> str:
        if self.rank is None:
            return self.method
        return f"{self.method} r{self.rank} ({self.targets})"

    def key(self) -> str:
        return f"{self.method}|{self.rank}|{self.targets}"


def canonical(method: str, rank: int | None, targets: str | None) -> Config:
    """Methods without rank or targets collapse to one configuration each."""
    m = METHODS[method]
    return Config(method, rank if m.uses_rank else None,
                  targets if m.uses_targets and targets else "no-depthwise")


def grid() -> list[Config]:
    """Every method x rank x target policy (validity on a model is checked separately)."""
    configs = []
    for name, m in METHODS.items():
        if not m.uses_rank:
            configs.append(Config(name))
            continue
        for rank in RANKS:
            for targets in TARGETS if m.uses_targets else ("no-depthwise",):
                configs.append(Config(name, rank, targets))
    return configs
