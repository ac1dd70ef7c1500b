"""The model an update starts from: a state dict in a file (.pt or .safetensors, so a previous
update's model.safetensors is updated again), ``builtin`` (the model a trial starts from:
pretrained here on the built-in data's source classes, cached) or ``imagenet`` (torchvision's
ImageNet weights as they are, with their 1000 classes: the model a device most likely runs).

A file is read and checked by advisor/weights.py, as every weights file is; what is the
update's own is here: the named weights, and the class names and resolution a model.safetensors
advisor wrote carries, so a later update can check them (plan.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import defaults
from advisor.errors import AdvisorError
from advisor.userfiles import MARK
from advisor.weights import check_state, read_state
from advisor.zoo import ModelSpec, build_model, replace_head

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class Weights:
    spec: ModelSpec
    source: str  # builtin, imagenet, or the file's path
    fingerprint: str  # the file's sha256, or the name
    head_outputs: int
    classes: tuple[str, ...] | None  # known for builtin, imagenet and advisor's own files
    resolution: int | None  # the one advisor's own file was updated at
    cached: Path | None = None  # builtin, once pretrained: its checkpoint (``ready``)

    def ready(self, resolution: int) -> Weights:
        """These weights with the built-in pretraining done and on disk, so that reading them
        later costs one copy of the weights, not the pretraining data (an update calls this
        before its memory baseline)."""
        if self.source != "builtin":
            return self
        from advisor.training.pretrain import cache_path

        _builtin(self.spec, resolution)
        return replace(self, cached=cache_path(self.spec, _builtin_task(resolution), "builtin"))

    def state_dict(self, resolution: int) -> dict[str, torch.Tensor]:
        """The starting weights (each call reads them anew: a run trains its copy in place)."""
        if self.source == "builtin" and self.cached is not None and self.cached.is_file():
            import torch

            return torch.load(self.cached, map_location="cpu", weights_only=True)["state_dict"]
        if self.source == "builtin":
            return _builtin(self.spec, resolution)[0].state_dict()
        if self.source == "imagenet":
            from advisor.zoo import imagenet_state_dict

            return imagenet_state_dict(self.spec)
        return _as_float32(read_state(self.source)[0])


def _builtin(spec: ModelSpec, resolution: int):
    """The model a trial starts from: pretrained on the built-in data's source classes."""
    from advisor.training.pretrain import source_model

    task = _builtin_task(resolution)
    return source_model(spec, task, "builtin").model, task.source.class_names


def _builtin_task(resolution: int):
    from advisor.training.tasks import load_task

    return load_task(defaults.TASK, defaults.DATASET, resolution)


def _as_float32(state: dict) -> dict:
    import torch

    return {k: v.float() if v.is_floating_point() and v.dtype != torch.float32 else v
            for k, v in state.items()}


def _own_metadata(metadata: dict[str, str]) -> tuple[tuple[str, ...] | None, int | None]:
    """Class names and resolution from a file advisor wrote (outputs.py writes them)."""
    if not metadata.get("written_by", "").startswith(MARK):
        return None, None
    try:
        classes = tuple(json.loads(metadata["classes"]))
        return classes, int(metadata["resolution"])
    except (KeyError, ValueError, TypeError):
        return None, None


def starting_weights(spec: ModelSpec, weights: str) -> Weights:
    """The starting weights, described and (for a file) checked; ``builtin`` pretrains on
    first use, at the update's resolution, when ``state_dict`` is called."""
    if weights == "builtin":
        from advisor.training.tasks import load_task

        classes = load_task(defaults.TASK, defaults.DATASET,
                            defaults.MIN_RESOLUTION).source.class_names
        return Weights(spec, weights, weights, len(classes), tuple(classes), None)
    if weights == "imagenet":
        if spec.options or spec.source != "torchvision":
            raise AdvisorError(f"torchvision has no ImageNet weights for {spec.name} (a width "
                               "variant); use --weights builtin or --weights FILE")
        from torchvision.models import get_model_weights

        from advisor.zoo import imagenet_state_dict

        imagenet_state_dict(spec)  # now, not after OUT/ is written: offline, it is refused
        categories = get_model_weights(spec.torchvision_name).DEFAULT.meta["categories"]
        return Weights(spec, weights, weights, len(categories), tuple(categories), None)
    path = Path(weights).expanduser()
    state, metadata = read_state(path)
    outputs = check_state(path, state, spec)
    classes, resolution = _own_metadata(metadata)
    if classes is not None and len(classes) != outputs:
        classes = None
    with path.open("rb") as f:
        fingerprint = hashlib.file_digest(f, "sha256").hexdigest()
    return Weights(spec, str(path), fingerprint, outputs, classes, resolution)


def starting_model(weights: Weights, resolution: int, classes: int, new_head: bool,
                   seed: int) -> nn.Module:
    """The model before the update, in eval mode: the weights assigned to a model built on the
    meta device (one copy of them in memory), with a new head of ``classes`` outputs (seeded)
    if ``new_head``."""
    import torch

    with torch.device("meta"):
        net = build_model(weights.spec, weights.head_outputs)
    net.load_state_dict(weights.state_dict(resolution), strict=True, assign=True)
    torch.manual_seed(seed)
    if new_head:
        replace_head(net, weights.spec, classes)
    return net.eval()
