"""The small training/evaluation loop every part of advisor shares.

Data are in-memory uint8 tensors (see tasks.py), so batching is plain indexing: no DataLoader
workers, nothing to pickle, deterministic for a given generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn

from advisor.training.tasks import ImageSet

# ImageNet statistics: harmless for the built-in weights, required for torchvision's.
_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def normalize(images: torch.Tensor) -> torch.Tensor:
    return (images - _MEAN) / _STD


def batches(data: ImageSet, batch_size: int, generator: torch.Generator | None = None,
            augment: bool = False, drop_single: bool = False
            ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Shuffled when a generator is given; ``augment`` adds small random translations;
    ``drop_single`` leaves out a last batch of one sample (BatchNorm cannot train on it)."""
    order = (torch.randperm(len(data), generator=generator) if generator is not None
             else torch.arange(len(data)))
    end = len(data) - 1 if drop_single and len(data) % batch_size == 1 < len(data) else len(data)
    for start in range(0, end, batch_size):
        idx = order[start : start + batch_size]
        x = data.floats(idx)
        if augment:
            x = _random_translate(x, generator)
        yield normalize(x), data.labels[idx]


def _random_translate(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    pad = max(1, x.shape[-1] // 16)
    padded = nn.functional.pad(x, (pad, pad, pad, pad))
    dx, dy = torch.randint(0, 2 * pad + 1, (2,), generator=generator).tolist()
    return padded[..., dy : dy + x.shape[-2], dx : dx + x.shape[-1]]


@torch.no_grad()
def accuracy(model: nn.Module, data: ImageSet, batch_size: int = 256) -> float:
    was_training = model.training
    model.eval()
    correct = 0
    for x, y in batches(data, batch_size):
        correct += int((model(x).argmax(dim=1) == y).sum())
    model.train(was_training)
    return correct / max(1, len(data))


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, data: ImageSet, batch_size: int = 128) -> None:
    """Re-estimate BatchNorm running statistics as an exact average over ``data``.

    Needed because torchvision's MobileNetV3 uses momentum 0.01: after a short run the running
    statistics are still near their initial values and eval-mode accuracy collapses. torch's
    own SWA utility does exactly this: a cumulative average (momentum None) over one pass.
    """
    from torch.optim.swa_utils import update_bn

    update_bn(batches(data, batch_size, drop_single=True), model)


def train_epochs(model: nn.Module, optimizer: torch.optim.Optimizer, data: ImageSet, epochs: int,
                 batch_size: int, generator: torch.Generator, augment: bool = False,
                 scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                 on_step: Callable[[int], None] | None = None,
                 step_fn: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None) -> int:
    """Plain cross-entropy training; returns the number of optimizer steps taken.

    ``step_fn(index, x, y)``, if given, performs step ``index`` (1-based) itself: the trial
    uses it to profile its own steps.
    """
    loss_fn = nn.CrossEntropyLoss()
    steps = 0
    drop_single = any(isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training
                      for m in model.modules())
    for _ in range(epochs):
        for x, y in batches(data, batch_size, generator, augment, drop_single):
            if step_fn is not None:
                step_fn(steps + 1, x, y)
            else:
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(x), y).backward()
                optimizer.step()
            if scheduler is not None:
                scheduler.step()
            steps += 1
            if on_step is not None:
                on_step(steps)
    return steps
