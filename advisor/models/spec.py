"""What advisor needs to know of a model, whoever wrote it (zoo.py by hand, or the rules of
structure.py): its blocks, its head and how to build it; and the head's handling, the one
layer an update may replace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    name: str
    aliases: tuple[str, ...]
    family: Literal["depthwise-separable", "grouped", "standard"]
    head: str  # qualified name of the layer producing the logits (a Linear or a 1x1 conv)
    description: str
    blocks: tuple[tuple[str, ...], ...]  # each block: the qualified names of its modules
    builder: str = ""  # torchvision builder name (default: ``name``)
    options: tuple[tuple[str, float], ...] = ()  # builder keyword arguments (width_mult)
    scale: str = "edge"  # "edge" (phones, SBCs, Jetsons) or "mcu" (microcontrollers)
    source: str = "torchvision"  # torchvision, timm or factory (``builder`` is then its path)
    whole_only: bool = False  # the blocks could not be cut in forward order: depth all only
    min_resolution: int = 0  # where the architecture needs more than advisor's minimum
    params: int | None = None  # counted where the rules found the spec (None: not counted)

    @property
    def torchvision_name(self) -> str:
        return self.builder or self.name

    @property
    def block_count(self) -> int:
        return len(self.blocks)

    def depth(self, name: str | int | None) -> int | None:
        """A named depth on this model: all (None), half, quarter, last (1), or a number."""
        n = self.block_count
        named = {"all": None, "half": n // 2, "quarter": max(1, n // 4), "last": 1}
        if self.whole_only:  # one block: every named depth is all of it
            named = dict.fromkeys(named, None)
        if name is None or isinstance(name, int):
            return name
        if name in named:
            return named[name]
        if name.isdigit():
            return int(name)
        raise AdvisorError(f"unknown depth '{name}'; use all, half, quarter, last or a number "
                           "of blocks")


def get_head(model: nn.Module, spec: ModelSpec) -> nn.Linear | nn.Conv2d:
    from torch import nn

    head = model.get_submodule(spec.head)
    assert isinstance(head, (nn.Linear, nn.Conv2d)), f"{spec.name}: {spec.head} is no head"
    return head


def head_shape(head: nn.Linear | nn.Conv2d) -> tuple[int, int]:
    """(outputs, inputs) of a head, a Linear or a 1x1 conv."""
    from torch import nn

    if isinstance(head, nn.Linear):
        return head.out_features, head.in_features
    return head.out_channels, head.in_channels


def replace_head(model: nn.Module, spec: ModelSpec, num_classes: int) -> nn.Module:
    """Swap the classifier for a freshly initialised one with ``num_classes`` outputs."""
    from torch import nn

    old = get_head(model, spec)
    inputs, bias = head_shape(old)[1], old.bias is not None
    new = (nn.Linear(inputs, num_classes, bias=bias) if isinstance(old, nn.Linear)
           else nn.Conv2d(inputs, num_classes, 1, bias=bias))
    model.set_submodule(spec.head, new)
    return new
