"""Fine-tuning methods behind one interface (see base.Method)."""

from advisor.errors import AdvisorError
from advisor.methods.base import Method, MethodConfig, Prepared
from advisor.methods.bias import BiasOnly
from advisor.methods.full import FullFineTuning
from advisor.methods.galore import GaLore
from advisor.methods.head import HeadOnly
from advisor.methods.lora import DoRA, LoRA
from advisor.methods.norm_head import NormAndHead
from advisor.methods.targets import TARGET_POLICIES, target_modules

METHODS: dict[str, Method] = {
    m.name: m
    for m in (FullFineTuning(), HeadOnly(), NormAndHead(), BiasOnly(), LoRA(), DoRA(), GaLore())
}


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise AdvisorError(f"unknown method '{name}'; choose one of: {', '.join(METHODS)}")
    return METHODS[name]


__all__ = ["METHODS", "TARGET_POLICIES", "Method", "MethodConfig", "Prepared", "get_method",
           "target_modules"]
