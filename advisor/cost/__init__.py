"""Exact cost of a training step: FLOPs by phase, true peak memory by category, storage.

Lazy exports: the result models import without torch, the profiler loads it on first use.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {"StepCost": "advisor.cost.result", "profile_config": "advisor.cost.step",
            "profile_batch_scaled": "advisor.cost.step"}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
