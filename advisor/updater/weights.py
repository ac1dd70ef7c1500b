"""The model an update starts from: a state dict in a file (.pt or .safetensors, so a previous
update's model.safetensors is updated again), ``builtin`` (the model a trial starts from:
pretrained here on the built-in data's source classes, cached) or ``imagenet`` (torchvision's
ImageNet weights as they are, with their 1000 classes: the model a device most likely runs).

A file is checked against the architecture before anything else happens: weights of another
zoo model are named as such. A model.safetensors advisor wrote carries its class names and
resolution, so a later update can check them (plan.py).
"""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import defaults
from advisor.errors import AdvisorError
from advisor.userfiles import MARK
from advisor.zoo import MODELS, ModelSpec, build_model, replace_head, skeleton

if TYPE_CHECKING:
    import torch
    from torch import nn

NAMED = ("builtin", "imagenet")


@dataclass(frozen=True)
class Weights:
    spec: ModelSpec
    source: str  # builtin, imagenet, or the file's path
    fingerprint: str  # the file's sha256, or the name
    head_outputs: int
    classes: tuple[str, ...] | None  # known for builtin, imagenet and advisor's own files
    resolution: int | None  # the one advisor's own file was updated at

    def state_dict(self, resolution: int) -> dict[str, torch.Tensor]:
        """The starting weights (each call reads them anew: a run trains its copy in place)."""
        if self.source == "builtin":
            return _builtin(self.spec, resolution)[0].state_dict()
        if self.source == "imagenet":
            from advisor.zoo import imagenet_state_dict

            return imagenet_state_dict(self.spec)
        return _as_float32(_read_file(Path(self.source))[0])


def _builtin(spec: ModelSpec, resolution: int):
    """The model a trial starts from: pretrained on the built-in data's source classes."""
    from advisor.training.pretrain import source_model
    from advisor.training.tasks import load_task

    task = load_task(defaults.TASK, defaults.DATASET, resolution)
    return source_model(spec, task, "builtin").model, task.source.class_names


def _as_float32(state: dict) -> dict:
    import torch

    return {k: v.float() if v.is_floating_point() and v.dtype != torch.float32 else v
            for k, v in state.items()}


def _read_file(path: Path) -> tuple[dict, dict[str, str]]:
    """(state dict, safetensors metadata); one line if it cannot be read as one."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise AdvisorError(f"weights file not found: {path}") from None
    except OSError as exc:
        raise AdvisorError(f"cannot read weights file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise AdvisorError(f"weights file {path} is not a regular file")
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), "pt") as f:
                return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})  # noqa: SIM118
        except Exception as exc:  # safetensors raises its own error types
            raise AdvisorError(f"{path}: not a safetensors file ({_first_line(exc)})") from None
    return _read_torch(path), {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}".rstrip(": ")


def _read_torch(path: Path) -> dict:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors alike: not a state dict
        raise AdvisorError(f"{path}: not a loadable state dict ({_first_line(exc)})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise AdvisorError(f"{path}: expected a state dict (names -> tensors)")
    return state


def _shapes(spec: ModelSpec, num_classes: int) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in skeleton(spec, num_classes).state_dict().items()}


def _head_outputs(spec: ModelSpec, state: dict) -> int | None:
    head = state.get(f"{spec.head}.weight")
    return int(head.shape[0]) if head is not None and head.ndim == 2 else None


def difference(spec: ModelSpec, state: dict) -> str | None:
    """None if ``state`` is a ``spec`` state dict (any head size), else the first difference."""
    outputs = _head_outputs(spec, state)
    if outputs is None:
        return f"no '{spec.head}.weight'"
    expected = _shapes(spec, max(outputs, 1))
    missing = sorted(set(expected) - set(state))
    if missing:
        return f"missing '{missing[0]}'" + (f" and {len(missing) - 1} more" if missing[1:] else "")
    unexpected = sorted(set(state) - set(expected))
    if unexpected:
        return f"unexpected '{unexpected[0]}'"
    wrong = next((k for k in expected if tuple(state[k].shape) != expected[k]), None)
    return None if wrong is None else (f"'{wrong}' has shape {tuple(state[wrong].shape)}, "
                                       f"{spec.name} needs {expected[wrong]}")


def check_architecture(spec: ModelSpec, state: dict, where: str) -> int:
    """The head's outputs, or one line naming the zoo model the weights belong to."""
    problem = difference(spec, state)
    if problem is None:
        return int(_head_outputs(spec, state))
    other = next((s for s in MODELS.values() if s is not spec and difference(s, state) is None),
                 None)
    if other is not None:
        raise AdvisorError(f"{where} holds {other.name} weights, not {spec.name}: use --model "
                           f"{other.name}, or the weights of a {spec.name}")
    raise AdvisorError(f"{where} is not a {spec.name} state dict ({problem})")


def _own_metadata(metadata: dict[str, str]) -> tuple[tuple[str, ...] | None, int | None]:
    """Class names and resolution from a file advisor wrote (outputs.py writes them)."""
    if not metadata.get("written_by", "").startswith(MARK):
        return None, None
    try:
        classes = tuple(json.loads(metadata["classes"]))
        return classes, int(metadata["resolution"])
    except (KeyError, ValueError, TypeError):
        return None, None


def read_weights(spec: ModelSpec, weights: str) -> Weights:
    """The starting weights, described and (for a file) checked; ``builtin`` pretrains on
    first use, at the update's resolution, when ``state_dict`` is called."""
    if weights == "builtin":
        from advisor.training.tasks import load_task

        classes = load_task(defaults.TASK, defaults.DATASET,
                            defaults.MIN_RESOLUTION).source.class_names
        return Weights(spec, weights, weights, len(classes), tuple(classes), None)
    if weights == "imagenet":
        if spec.options:
            raise AdvisorError(f"torchvision has no ImageNet weights for {spec.name} (a width "
                               "variant); use --weights builtin or --weights FILE")
        from torchvision.models import get_model_weights

        from advisor.zoo import imagenet_state_dict

        imagenet_state_dict(spec)  # now, not after OUT/ is written: offline, it is refused
        categories = get_model_weights(spec.torchvision_name).DEFAULT.meta["categories"]
        return Weights(spec, weights, weights, len(categories), tuple(categories), None)
    import torch

    path = Path(weights).expanduser()
    state, metadata = _read_file(path)
    outputs = check_architecture(spec, state, str(path))
    broken = next((k for k, v in state.items()
                   if v.is_floating_point() and not bool(torch.isfinite(v).all())), None)
    if broken is not None:
        raise AdvisorError(f"{path}: '{broken}' holds NaN or inf values")
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
