"""Accuracy on the user's images, with the uncertainty a few hundred images leave: a 90%
binomial (Wilson) interval, and a table per class."""

from __future__ import annotations

from math import sqrt
from statistics import NormalDist
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn
    from torch.utils.data import Dataset

CONFIDENCE = 0.9


class ClassAccuracy(BaseModel):
    name: str
    images: int
    correct: int
    accuracy: float | None = Field(description="None for a class without images here.")


class Evaluation(BaseModel):
    images: int
    correct: int
    accuracy: float
    interval: tuple[float, float] = Field(description="90% binomial interval (Wilson).")
    per_class: list[ClassAccuracy]


def binomial_interval(correct: int, total: int,
                      confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval, in closed form: scipy.stats would cost an update process tens
    of MiB of resident library code for one formula (tests check it against scipy's)."""
    if total == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = correct / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def measure(model: nn.Module, dataset: Dataset, classes: tuple[str, ...], batch_size: int,
            labels: list[int] | None = None) -> Evaluation:
    """Accuracy of ``model`` (eval mode) on ``dataset``; ``labels`` maps the data's class
    indices to the model's outputs (default: the same)."""
    import torch

    from advisor.updater.stream import batches

    was_training = model.training
    model.eval()
    lookup = torch.tensor(labels) if labels is not None else None
    images, correct = [0] * len(classes), [0] * len(classes)
    with torch.no_grad():
        for batch in batches(dataset, batch_size, None):
            for x, y in batch.parts():
                y = lookup[y] if lookup is not None else y
                hits = model(x).argmax(dim=1) == y
                for label, hit in zip(y.tolist(), hits.tolist(), strict=True):
                    images[label] += 1
                    correct[label] += int(hit)
    model.train(was_training)
    total, right = sum(images), sum(correct)
    return Evaluation(
        images=total, correct=right, accuracy=right / max(1, total),
        interval=binomial_interval(right, total),
        per_class=[ClassAccuracy(name=name, images=n, correct=c, accuracy=c / n if n else None)
                   for name, n, c in zip(classes, images, correct, strict=True)])


def _class_map(model_classes: tuple[str, ...] | None, head: int,
               image_classes: tuple[str, ...]) -> tuple[tuple[str, ...], list[int]]:
    """The model's class names and, per image class, its output."""
    if model_classes is None:
        if head != len(image_classes):
            raise AdvisorError(f"the weights have {head} outputs and do not name their classes; "
                               f"the images have {len(image_classes)} classes")
        return image_classes, list(range(head))
    unknown = [c for c in image_classes if c not in model_classes]
    if unknown:
        raise AdvisorError(f"the images have class '{unknown[0]}', which the model does not "
                           f"know (it knows {', '.join(model_classes[:8])}"
                           f"{', ...' if len(model_classes) > 8 else ''})")
    return model_classes, [model_classes.index(c) for c in image_classes]


def evaluate(model: str, weights: str, images: str, *, resolution: int | None = None,
             val_fraction: float | None = None, batch_size: int = 32) -> Evaluation:
    """Accuracy of a model (e.g. an update's model.safetensors) on ``images``: its val/
    folder, the validation part of ``val_fraction``, or every image of ``images``/<class>/."""
    from advisor.config import check_scale
    from advisor.updater.images import images_to_evaluate
    from advisor.updater.weights import starting_model, starting_weights
    from advisor.zoo import resolve_model

    spec = resolve_model(model)
    w = starting_weights(spec, weights)
    resolution = resolution or w.resolution
    if resolution is None:
        raise AdvisorError("--resolution: the weights do not say which resolution they were "
                           "updated at")
    check_scale(batch_size, resolution)
    data = images_to_evaluate(images, val_fraction)
    classes, labels = _class_map(w.classes, w.head_outputs, data.classes)
    data.set_resolution(resolution)
    net = starting_model(w, resolution, w.head_outputs, False, 0)
    return measure(net, data.val, classes, batch_size, labels)
