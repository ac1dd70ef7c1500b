"""LoRA and DoRA on convolutions and linear layers, through peft.

peft is imported only when one of these methods is used: with transformers behind it, the
import costs several seconds that ``advisor devices`` should not pay.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from advisor.errors import IncompatibleConfigError
from advisor.methods.base import Method, Settings, head_parameter_names
from advisor.methods.targets import target_modules

if TYPE_CHECKING:
    from torch import nn


class LoRA(Method):
    name = "lora"
    description = "low-rank adapters on the target layers (peft), plus the head"
    uses_rank = True
    uses_targets = True
    default_lr = 5e-3
    use_dora = False

    def validate(self, model: nn.Module, head: str, config: Settings) -> None:
        from torch import nn

        targets = target_modules(model, head, config.targets)
        if not targets:
            raise IncompatibleConfigError(f"--targets {config.targets} selects no layer here")
        grouped = {n: m.groups for n, m in targets.items()
                   if isinstance(m, nn.Conv2d) and m.groups > 1 and config.rank % m.groups}
        if grouped:
            name, groups = next(iter(grouped.items()))
            need = math.lcm(*{m.groups for m in targets.values() if isinstance(m, nn.Conv2d)})
            raise IncompatibleConfigError(
                f"{self.name} rank {config.rank} cannot adapt {len(grouped)} grouped/depthwise "
                f"convs (e.g. {name}, groups={groups}): peft needs the rank to be a multiple of "
                f"the groups; use --targets no-depthwise or pointwise, or a rank that is a "
                f"multiple of {need} (the adapters would then outgrow the layers)")

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        from peft import LoraConfig, inject_adapter_in_model

        names = target_modules(model, head, config.targets)
        pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
        lora_config = LoraConfig(r=config.rank, lora_alpha=2 * config.rank, lora_dropout=0.0,
                                 target_modules=pattern, use_dora=self.use_dora)
        model = inject_adapter_in_model(lora_config, model)
        # The head is trained too (peft's modules_to_save): new classes need a new head.
        for n, p in model.named_parameters():
            if n in head_parameter_names(model, head):
                p.requires_grad_(True)
        return model


class DoRA(LoRA):
    name = "dora"
    description = "weight-decomposed low-rank adapters (peft use_dora), plus the head"
    use_dora = True
