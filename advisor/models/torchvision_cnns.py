"""torchvision's classification CNNs by their torchvision names, their specs found by the rules
of structure.py.

Two builders need help to be built without memory (on the meta device, where every cost is
profiled): RegNet computes its stage widths with tensors and reads them back (``.tolist()``),
which a meta tensor cannot do, so that arithmetic runs on the CPU (``index_arithmetic_on_cpu``);
GoogLeNet and Inception-v3 are built without their auxiliary classifiers (their training-mode
output is then the logits alone, as every update step needs).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn

    from advisor.models.spec import ModelSpec

# builder keyword arguments some builders need for an update (see the module docstring)
BUILDER_OPTIONS: dict[str, tuple[tuple[str, Any], ...]] = {
    "googlenet": (("aux_logits", False), ("init_weights", False)),
    "inception_v3": (("aux_logits", False), ("init_weights", False)),
}
_ARITHMETIC = ("arange", "tensor", "linspace", "logspace")


def index_arithmetic_on_cpu():
    """A torch function mode that creates the tensors of ``_ARITHMETIC`` on the CPU even
    inside ``torch.device("meta")``: parameters stay on meta, index arithmetic can be read."""
    import torch
    from torch.overrides import TorchFunctionMode

    names = {getattr(torch, n) for n in _ARITHMETIC}

    class _OnCpu(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            if func in names and kwargs.get("device") is None:
                kwargs["device"] = "cpu"
            return func(*args, **kwargs)

    return _OnCpu()


def build(builder: str, num_classes: int, options: tuple[tuple[str, Any], ...] = ()) -> nn.Module:
    """torchvision's ``builder`` with random weights (or on meta, inside ``torch.device``)."""
    from torchvision.models import get_model

    with index_arithmetic_on_cpu():
        return get_model(builder, weights=None, num_classes=num_classes,
                         **dict(BUILDER_OPTIONS.get(builder, ())), **dict(options))


@functools.cache
def builders() -> tuple[str, ...]:
    """Every classification builder torchvision has (CNNs and transformers)."""
    import torchvision
    from torchvision.models import list_models

    return tuple(list_models(module=torchvision.models))


@functools.cache
def spec_for(builder: str) -> ModelSpec:
    """The spec of torchvision's ``builder``, or an AdvisorError saying why there is none."""
    import torch

    from advisor.models.structure import spec_of

    if builder not in builders():
        raise AdvisorError(f"torchvision has no classification model '{builder}'")
    with torch.device("meta"):
        net = build(builder, 1000)
    return spec_of(net, builder, f"torchvision {builder}", "torchvision")


def catalogue() -> list[tuple[str, ModelSpec | str]]:
    """Every torchvision classification builder with its spec, or why it has none."""
    found: list[tuple[str, ModelSpec | str]] = []
    for name in builders():
        try:
            found.append((name, spec_for(name)))
        except AdvisorError as exc:
            found.append((name, str(exc).removeprefix(f"{name}: ")))
    return found
