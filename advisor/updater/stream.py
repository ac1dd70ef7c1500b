"""Images streamed from disk in batches, in an order fixed by (seed, epoch).

Only the batch being used is in memory, so the data set's size does not enter the RAM an
update needs. With micro-batching, a batch is read one micro-batch at a time, as the cost of
a micro-batched step was profiled (cost/step.py: a device that accumulates gradients never
holds the whole batch). The order of an epoch depends on the seed and the epoch alone, so a
run resumed at an epoch sees the batches an uninterrupted run saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from torch.utils.data import Dataset

# ImageNet statistics, as training/loop.py normalises every model's input
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def image_transform(resolution: int):
    """RGB PIL image -> normalised float tensor of ``resolution`` px square."""
    from torchvision.transforms import v2

    return v2.Compose([v2.PILToTensor(), v2.Resize((resolution, resolution), antialias=True),
                       v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])


def load(dataset: Dataset, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    items = [dataset[i] for i in indices]
    return (torch.stack([x for x, _ in items]),
            torch.tensor([y for _, y in items], dtype=torch.long))


def epoch_order(size: int, seed: int, epoch: int) -> list[int]:
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(size, generator=generator).tolist()


@dataclass(frozen=True)
class Batch:
    samples: int
    indices: list[int]
    dataset: Dataset
    micro_batch: int | None

    def parts(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The batch's micro-batches, each read when the step asks for it."""
        size = self.micro_batch or self.samples
        for start in range(0, self.samples, size):
            yield load(self.dataset, self.indices[start:start + size])


def batches(dataset: Dataset, batch_size: int, micro_batch: int | None,
            order: list[int] | None = None, single: bool = True) -> Iterator[Batch]:
    """``order`` (default: as stored) in batches of ``batch_size``; the last may be smaller.
    ``single=False`` leaves out a last sample that would pass alone: a BatchNorm layer in
    training mode cannot normalise a single value (a 1x1 feature map of one image)."""
    order = list(range(len(dataset))) if order is None else order
    if not single and len(order) % batch_size % (micro_batch or batch_size) == 1:
        order = order[:-1]
    for start in range(0, len(order), batch_size):
        yield Batch(len(order[start:start + batch_size]), order[start:start + batch_size],
                    dataset, micro_batch)
