"""How far back an update reaches: the frozen prefix and the checkpointed blocks.

An update of depth K trains (as its method says) only the last K blocks of the backbone and
what follows them. The blocks before run as plain inference: their weights do not require a
gradient and their BatchNorm layers become ``InferenceBatchNorm2d`` (fixed statistics and
affine, no parameters), so with an input that needs no gradient autograd records nothing there
and every activation is freed as soon as the next layer has read it (the backward graph is
pruned, as in TinyTL and MCUNetV3's Tiny Training Engine).
Checkpointing recomputes each updated block's forward in backward (torch.utils.checkpoint)
instead of keeping its activations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from advisor.errors import IncompatibleConfigError

if TYPE_CHECKING:
    from torch import nn

Blocks = Sequence[Sequence[str]]  # each block: the qualified names of its modules


def split(blocks: Blocks, depth: int | None) -> tuple[Blocks, Blocks]:
    """(frozen prefix, updated blocks) for an update of ``depth`` blocks (None: all)."""
    if depth is None:
        return (), blocks
    if depth > len(blocks):
        raise IncompatibleConfigError(f"the model has {len(blocks)} blocks; --depth {depth} "
                                      "reaches beyond them")
    return blocks[: len(blocks) - depth], blocks[len(blocks) - depth:]


def freeze(model: nn.Module, blocks: Blocks) -> None:
    """Make ``blocks`` inference-only (idempotent)."""
    from torch import nn

    from advisor.methods.inference_bn import InferenceBatchNorm2d

    for names in blocks:
        for name in names:
            root = model.get_submodule(name)
            for child_name, child in list(root.named_modules()):
                if isinstance(child, nn.BatchNorm2d):
                    model.set_submodule(f"{name}.{child_name}" if child_name else name,
                                        InferenceBatchNorm2d(child))
            for p in model.get_submodule(name).parameters():
                p.requires_grad_(False)


def checkpoint(model: nn.Module, blocks: Blocks) -> None:
    """Recompute each single-module block in backward instead of storing its activations (a
    multi-module block, such as a ResNet's stem, runs as it is)."""
    from torch.utils.checkpoint import checkpoint as recompute

    for names in blocks:
        if len(names) != 1:
            continue
        module = model.get_submodule(names[0])
        forward = module.forward

        def run(*args, _forward=forward, **kwargs):
            return recompute(_forward, *args, use_reentrant=False, **kwargs)

        module.forward = run
