"""Fine-tuning methods behind one interface (see base.Method)."""

from advisor.errors import known
from advisor.methods.base import Method, Prepared, Settings
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
    return METHODS[known(name, list(METHODS), "method")]


__all__ = ["METHODS", "TARGET_POLICIES", "Method", "Prepared", "Settings", "get_method",
           "target_modules"]
