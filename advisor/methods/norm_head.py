"""Norm + head: BatchNorm affine parameters and statistics plus the head.

Re-estimating normalisation is the classic cheap fix for a distribution shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.methods.base import Method, Settings, freeze_all_but, head_parameter_names

if TYPE_CHECKING:
    from torch import nn


class NormAndHead(Method):
    name = "norm_head"
    description = "normalisation layers (affine + statistics) and the head"
    trains_norm_statistics = True
    default_lr = 5e-3

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        from torch import nn

        norms = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm)
        keep = head_parameter_names(model, head)
        for name, module in model.named_modules():
            if isinstance(module, norms):
                keep |= {f"{name}.{n}" for n, _ in module.named_parameters(recurse=False)}
        return freeze_all_but(model, keep)
