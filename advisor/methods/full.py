"""Full fine-tuning: the reference every PEFT method is measured against."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.methods.base import Method, Settings, train_everything

if TYPE_CHECKING:
    from torch import nn


class FullFineTuning(Method):
    name = "full"
    description = "all weights, biases and BatchNorm statistics"
    trains_norm_statistics = True
    default_lr = 1e-3

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        return train_everything(model)
