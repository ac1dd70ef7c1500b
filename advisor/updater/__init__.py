"""Carrying out an update on the user's own model and images (``advisor update``), the
prepared model for a loop of one's own (``prepare``), and accuracy on images (``evaluate``).

Lazy exports: torch loads when one of them is used.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {"prepare": "advisor.updater.prepared", "PreparedUpdate": "advisor.updater.prepared",
            "update": "advisor.updater.job", "evaluate": "advisor.updater.evaluation",
            "Evaluation": "advisor.updater.evaluation", "Manifest": "advisor.updater.manifest"}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
