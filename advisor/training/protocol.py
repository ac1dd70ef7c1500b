"""How a task splits its data per class, and the fewest images per class that leave it usable.

Each source class (the first half of the classes) is split into pretraining train and test,
then the shift task's train and test; each target class into the unseen task's train and test.
Every split in use needs an image of every class, and a training split 2 or more images:
BatchNorm cannot train on a batch of one. A data set below that is refused before anything
is trained, with the minimum it needs.
"""

from __future__ import annotations

import functools

import numpy as np

from advisor.errors import AdvisorError

SOURCE_PARTS = (0.55, 0.15, 0.15, 0.15)  # pretraining train, test; shift train, test
TARGET_PARTS = (0.4, 0.6)  # unseen train, test


def cuts(n: int, fractions: tuple[float, ...]) -> list[int]:
    """Where ``n`` images of one class are cut into consecutive parts of ``fractions``."""
    bounds = np.cumsum([0, *fractions])
    return [round(b * n) for b in bounds]


def _enough(n: int, fractions: tuple[float, ...], used: tuple[int, ...],
            train: tuple[int, ...], alone: bool) -> bool:
    at = cuts(n, fractions)
    return all(at[i + 1] - at[i] >= (2 if alone and i in train else 1) for i in used)


@functools.cache
def fewest(fractions: tuple[float, ...], used: tuple[int, ...], train: tuple[int, ...],
           alone: bool) -> int:
    """The fewest images per class from which on every count splits well (rounding makes
    a part's size step unevenly, so a count must hold for all larger counts too).
    ``alone``: the class is the only one of its role, so its training part alone is a batch."""
    n = 1
    while not all(_enough(m, fractions, used, train, alone) for m in range(n, n + 200)):
        n += 1
    return n


def check_sizes(counts: list[int], class_names: tuple[str, ...], task: str, where: str) -> None:
    """Refuse a data set whose classes are too small for ``task``'s splits."""
    source = list(range((len(counts) + 1) // 2))
    target = list(range(len(source), len(counts)))
    used, train = ((0, 1, 2, 3), (0, 2)) if task == "shift" else ((0, 1), (0,))
    roles = [(source, SOURCE_PARTS, used, train, "source class (the first half: pretrained on)")]
    if task == "unseen":
        roles.append((target, TARGET_PARTS, (0, 1), (0,),
                      "target class (the second half: learned by the update)"))
    for classes, fractions, used_parts, train_parts, role in roles:
        need = fewest(fractions, used_parts, train_parts, len(classes) == 1)
        short = [c for c in classes if counts[c] < need]
        if short:
            more = f"; {len(short) - 1} more classes are short" if len(short) > 1 else ""
            raise AdvisorError(
                f"{where}: too few images for the {task} task: class '{class_names[short[0]]}' "
                f"has {counts[short[0]]}; each {role} needs at least {need} (split into "
                f"training and test images, 2 or more per training batch){more}")


def check_batch(model: str, method: str, batch_size: int, micro_batch: int | None,
                resolution: int, flag: str = "--batch-size") -> None:
    """Refuse a resolution below the model's smallest input, and a step of one sample where
    the method trains BatchNorm and the model's feature maps shrink to 1x1 at this resolution
    (torch would fail on the first step)."""
    from advisor.methods import METHODS
    from advisor.zoo import resolve_model, trains_on_one_sample

    check_resolution(model, resolution)
    samples = micro_batch or batch_size
    if samples > 1 or not METHODS[method].trains_norm_statistics:
        return
    spec = resolve_model(model)
    if not trains_on_one_sample(spec, resolution):
        flag = "--micro-batch" if micro_batch else flag
        raise AdvisorError(
            f"{flag} 1 cannot train {method}: it updates BatchNorm statistics, and at "
            f"{resolution} px {spec.name}'s last feature maps are 1x1 (one value per channel); "
            "use 2 or more samples per step, a larger resolution, or a method that keeps "
            "BatchNorm frozen")


def check_resolution(model: str, resolution: int) -> None:
    """Refuse inputs the model's pooling and kernels shrink to nothing (AlexNet below 63 px,
    Inception-v3 below 75 px)."""
    from advisor.zoo import resolve_model

    spec = resolve_model(model)
    if resolution < spec.min_resolution:
        raise AdvisorError(f"{spec.name} needs inputs of at least {spec.min_resolution} px (its "
                           f"pooling shrinks {resolution} px to nothing); use --resolution "
                           f"{spec.min_resolution} or more")
