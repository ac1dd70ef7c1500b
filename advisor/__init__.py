"""advisor: which parameter-efficient fine-tuning method fits your edge device?

The public API is importable from here (``from advisor import run_trial, DeviceProfile``).
Names resolve lazily, so ``import advisor`` stays cheap and torch/peft load only when used.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "AdvisorError": "advisor.errors",
    "IncompatibleConfigError": "advisor.errors",
    "Constraints": "advisor.devices",
    "DeviceProfile": "advisor.devices",
    "list_devices": "advisor.devices",
    "load_device": "advisor.devices",
    "MODELS": "advisor.zoo",
    "resolve_model": "advisor.zoo",
    "load_task": "advisor.tasks",
    "METHODS": "advisor.methods",
    "Config": "advisor.config",
    "TrialConfig": "advisor.config",
    "StepCost": "advisor.cost",
    "profile_config": "advisor.cost",
    "recommend": "advisor.recommend",
    "decide": "advisor.recommend",
    "Recommendation": "advisor.options",
    "Option": "advisor.options",
    "study_evidence": "advisor.evidence",
    "evidence_for": "advisor.recommend",
    "shipped_evidence": "advisor.shipped",
    "export_choice": "advisor.export",
    "search": "advisor.search",
    "seed_study": "advisor.search",
    "benchmark": "advisor.benchmark",
    "BenchmarkPlan": "advisor.benchmark",
    "TrialResult": "advisor.trial",
    "run_trial": "advisor.trial",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
