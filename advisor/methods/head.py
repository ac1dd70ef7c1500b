"""Head-only (linear probing): the cheapest update, no backward through the backbone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.methods.base import Method, Settings, freeze_all_but, head_parameter_names

if TYPE_CHECKING:
    from torch import nn


class HeadOnly(Method):
    name = "head"
    description = "the classifier head only"
    default_lr = 1e-2
    reaches_backbone = False

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        return freeze_all_but(model, head_parameter_names(model, head))
