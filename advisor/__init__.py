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
    "Constraints": "advisor.devices.profile",
    "DeviceProfile": "advisor.devices.profile",
    "list_devices": "advisor.devices.profile",
    "load_device": "advisor.devices.profile",
    "MODELS": "advisor.zoo",
    "resolve_model": "advisor.zoo",
    "load_task": "advisor.training.tasks",
    "METHODS": "advisor.methods",
    "Config": "advisor.config",
    "TrialConfig": "advisor.config",
    "StepCost": "advisor.cost",
    "profile_config": "advisor.cost",
    "recommend": "advisor.decision.recommend",
    "decide": "advisor.decision.recommend",
    "decide_question": "advisor.decision.recommend",
    "Question": "advisor.decision.question",
    "Recommendation": "advisor.decision.answer",
    "Option": "advisor.decision.answer",
    "study_evidence": "advisor.decision.evidence",
    "evidence_for": "advisor.decision.recommend",
    "shipped_evidence": "advisor.decision.shipped",
    "export_choice": "advisor.decision.export",
    "search": "advisor.study.search",
    "seed_study": "advisor.study.search",
    "benchmark": "advisor.paper",
    "BenchmarkPlan": "advisor.paper",
    "TrialResult": "advisor.training.trial",
    "run_trial": "advisor.training.trial",
    "prepare": "advisor.updater.prepared",
    "update": "advisor.updater.job",
    "evaluate": "advisor.updater.evaluation",
    "program": "advisor.program.job",
    "check_program": "advisor.program.check",
    "recommend_program": "advisor.program.advice",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
