"""Bias-only (BitFit, as in TinyTL): every bias term plus the head.

On CNNs whose convolutions have no bias (MobileNets, ResNets) the biases are those of the
BatchNorm layers; their running statistics stay frozen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.methods.base import Method, Settings, freeze_all_but, head_parameter_names

if TYPE_CHECKING:
    from torch import nn


class BiasOnly(Method):
    name = "bias"
    description = "all bias terms (BitFit) and the head"
    default_lr = 5e-3

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        keep = head_parameter_names(model, head)
        keep |= {n for n, _ in model.named_parameters() if n.rsplit(".", 1)[-1] == "bias"}
        return freeze_all_but(model, keep)
