"""Which layers an adapter (LoRA/DoRA) or GaLore projection is applied to.

On depthwise-separable CNNs this choice matters more than the rank: a depthwise 3x3 conv has
groups == channels, peft's LoRA needs rank % groups == 0 there, and its adapter can then hold
more parameters than the layer itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

TARGET_POLICIES = {
    "all": "every conv and linear layer except the head",
    "pointwise": "1x1 convs (groups=1) and linear layers only",
    "no-depthwise": "every conv and linear layer except grouped/depthwise convs",
}


def _selected(module: nn.Module, policy: str) -> bool:
    from torch import nn

    if isinstance(module, nn.Linear):
        return True
    if not isinstance(module, nn.Conv2d):
        return False
    if policy == "all":
        return True
    if policy == "no-depthwise":
        return module.groups == 1
    return module.groups == 1 and module.kernel_size == (1, 1)


def target_modules(model: nn.Module, head: str, policy: str) -> dict[str, nn.Module]:
    """Qualified names of the adapted layers, in model order: those the policy selects and
    the update reaches (a layer frozen by the update's depth is never a target)."""
    if policy not in TARGET_POLICIES:
        raise ValueError(policy)
    return {name: m for name, m in model.named_modules()
            if name != head and _selected(m, policy) and m.weight.requires_grad}
