"""timm's CNNs as ``--model timm:NAME`` (``pip install 'advisor[timm]'``): the architecture from
timm, never its hub weights (no network at run time): weights come from ``--weights FILE`` or
advisor's built-in pretraining. Blocks and head by the rules of structure.py (timm's stage
container ``blocks`` or ``stages`` opened)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn

    from advisor.models.spec import ModelSpec

PREFIX = "timm:"


def _timm():
    try:
        import timm
    except ImportError:
        raise AdvisorError("timm models need timm: pip install 'advisor[timm]'") from None
    return timm


def build(builder: str, num_classes: int, options: tuple[tuple[str, Any], ...] = ()) -> nn.Module:
    name = builder.removeprefix(PREFIX)
    return _timm().create_model(name, pretrained=False, num_classes=num_classes,
                                **dict(options))


@functools.cache
def spec_for(name: str) -> ModelSpec:
    import torch

    from advisor.models.structure import spec_of

    timm = _timm()
    if not timm.is_model(name):
        raise AdvisorError(f"timm has no model '{name}' (timm.list_models() lists them)")
    with torch.device("meta"):
        net = build(name, 1000)
    return spec_of(net, f"{PREFIX}{name}", f"timm {name}", "timm", f"{PREFIX}{name}")
