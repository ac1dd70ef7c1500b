"""A user's weights file (``--weights FILE``), read once and checked, for trials and updates.

torch.load accepts any pickle-free object graph: an int where a tensor belongs, a 0-d tensor,
a head of a billion classes. Each such file is one line naming the file and what is wrong
with it, found before a model is built or any data is read twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError
from advisor.userfiles import check_file
from advisor.zoo import ModelSpec, build_model, get_head, skeleton

if TYPE_CHECKING:
    from torch import nn


def _what(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return f"a {value.dim()}-d tensor of shape {tuple(value.shape)}"
    return f"a value of type {type(value).__name__}"


def load_state_dict(path: str | Path) -> dict[str, Any]:
    """The state dict in ``path`` (or under its ``state_dict`` key), tensors on the CPU."""
    import torch

    check_file(path, "weights file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises pickle, zip and runtime errors of many kinds
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        raise AdvisorError(f"{path}: not a loadable state dict ({reason.rstrip(': ')})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise AdvisorError(f"{path}: expected a state dict (names to tensors), found "
                           f"{_what(state)}")
    odd = next((k for k in state if not isinstance(k, str)), None)
    if odd is not None:
        raise AdvisorError(f"{path}: not a state dict: key {odd!r} is not a parameter name")
    return state


def check_head(path: str | Path, state: dict[str, Any], spec: ModelSpec) -> int:
    """The number of classes of the file's head, checked against the architecture."""
    import torch

    key = f"{spec.head}.weight"
    head = state.get(key)
    if head is None:
        raise AdvisorError(f"{path}: no '{key}'; is this a {spec.name} checkpoint?")
    features = get_head(skeleton(spec), spec).in_features
    if not isinstance(head, torch.Tensor) or head.dim() != 2:
        raise AdvisorError(f"{path}: '{key}' is {_what(head)}; {spec.name}'s head weight is "
                           f"a 2-d tensor (classes x {features})")
    if head.shape[1] != features or head.shape[0] < 1:
        raise AdvisorError(f"{path}: '{key}' has shape {tuple(head.shape)}; {spec.name}'s "
                           f"head weight is (classes x {features}), classes >= 1")
    return int(head.shape[0])


def read_weights(path: str | Path, spec: ModelSpec) -> nn.Module:
    """The model of ``spec`` with the file's weights and its own head (any number of
    classes); one line naming the file if it is not a loadable ``spec`` checkpoint."""
    import torch

    state = load_state_dict(path)
    classes = check_head(path, state, spec)
    for name, value in state.items():
        if isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(
                torch.isfinite(value).all()):
            raise AdvisorError(f"{path}: '{name}' holds NaN or inf values")
    model = build_model(spec, classes)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc)
        raise AdvisorError(f"{path}: does not match {spec.name}: {first}") from None
    return model
