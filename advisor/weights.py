"""A user's weights file (``--weights FILE`` of trial, update and evaluate), read once and
checked: the one reader of weights files.

torch.load accepts any pickle-free object graph: an int where a tensor belongs, a 0-d tensor,
a head of a billion classes, another model's weights. Each such file is one line naming the
file and what is wrong with it, found before a model is built or any data is read. A state
dict in ``.safetensors`` is read too (an update's model.safetensors is updated again), with
its metadata, which says what advisor wrote into it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError
from advisor.userfiles import check_file
from advisor.zoo import MODELS, ModelSpec, build_model, get_head, head_shape, skeleton

if TYPE_CHECKING:
    from torch import nn


def _what(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return f"a {value.dim()}-d tensor of shape {tuple(value.shape)}"
    return f"a value of type {type(value).__name__}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}".rstrip(": ")


def _load(path: Path) -> tuple[Any, dict[str, str]]:
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), "pt") as f:
                return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})  # noqa: SIM118
        except Exception as exc:  # safetensors raises its own error types
            raise AdvisorError(f"{path}: not a safetensors file ({_first_line(exc)})") from None
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True), {}
    except Exception as exc:  # torch raises pickle, zip and runtime errors of many kinds
        raise AdvisorError(f"{path}: not a loadable state dict ({_first_line(exc)})") from None


def read_state(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The state dict in ``path`` (.safetensors, else torch's format, where it may stand under
    a ``state_dict`` key), tensors on the CPU, and the safetensors metadata ({} for .pt)."""
    path = Path(path)
    check_file(path, "weights file")
    state, metadata = _load(path)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise AdvisorError(f"{path}: expected a state dict (names to tensors), found "
                           f"{_what(state)}")
    odd = next((k for k in state if not isinstance(k, str)), None)
    if odd is not None:
        raise AdvisorError(f"{path}: not a state dict: key {odd!r} is not a parameter name")
    return state, metadata


def _head_outputs(spec: ModelSpec, state: dict[str, Any]) -> int | None:
    import torch

    head = state.get(f"{spec.head}.weight")
    return int(head.shape[0]) if isinstance(head, torch.Tensor) and head.dim() in (2, 4) \
        else None  # a Linear head, or a 1x1 conv head (SqueezeNet)


def difference(spec: ModelSpec, state: dict[str, Any]) -> str | None:
    """None if ``state`` is a ``spec`` state dict (any head size), else the first difference."""
    import torch

    outputs = _head_outputs(spec, state)
    if outputs is None:
        return f"no '{spec.head}.weight'"
    expected = {k: tuple(v.shape)
                for k, v in skeleton(spec, max(outputs, 1)).state_dict().items()}
    missing = sorted(set(expected) - set(state))
    if missing:
        return f"missing '{missing[0]}'" + (f" and {len(missing) - 1} more" if missing[1:] else "")
    unexpected = sorted(set(state) - set(expected))
    if unexpected:
        return f"unexpected '{unexpected[0]}'"
    odd = next((k for k, v in state.items() if not isinstance(v, torch.Tensor)), None)
    if odd is not None:
        return f"'{odd}' is {_what(state[odd])}"
    wrong = next((k for k in expected if tuple(state[k].shape) != expected[k]), None)
    return None if wrong is None else (f"'{wrong}' has shape {tuple(state[wrong].shape)}, "
                                       f"{spec.name} needs {expected[wrong]}")


def _check_head(path: Path, state: dict[str, Any], spec: ModelSpec) -> None:
    """One line about the head, the part of a checkpoint users replace and get wrong."""
    import torch

    key = f"{spec.head}.weight"
    head = state.get(key)
    if head is None:
        raise AdvisorError(f"{path}: no '{key}'; is this a {spec.name} checkpoint?")
    features = head_shape(get_head(skeleton(spec), spec))[1]
    if not isinstance(head, torch.Tensor) or head.dim() not in (2, 4):
        raise AdvisorError(f"{path}: '{key}' is {_what(head)}; {spec.name}'s head weight is "
                           f"a tensor of (classes x {features})")
    if head.shape[1] != features or head.shape[0] < 1:
        raise AdvisorError(f"{path}: '{key}' has shape {tuple(head.shape)}; {spec.name}'s "
                           f"head weight is (classes x {features}), classes >= 1")


def check_state(path: str | Path, state: dict[str, Any], spec: ModelSpec) -> int:
    """The number of outputs of the file's head, once the state is checked to be ``spec``'s
    (another zoo model's weights are named as such) and finite."""
    import torch

    path = Path(path)
    problem = difference(spec, state)
    if problem is not None:
        other = next((s for s in MODELS.values()
                      if s.name != spec.name and difference(s, state) is None), None)
        if other is not None:
            raise AdvisorError(f"{path} holds {other.name} weights, not {spec.name}: use "
                               f"--model {other.name}, or the weights of a {spec.name}")
        _check_head(path, state, spec)
        raise AdvisorError(f"{path} is not a {spec.name} state dict: it does not match "
                           f"{spec.name} ({problem})")
    broken = next((k for k, v in state.items()
                   if v.is_floating_point() and not bool(torch.isfinite(v).all())), None)
    if broken is not None:
        raise AdvisorError(f"{path}: '{broken}' holds NaN or inf values")
    return int(_head_outputs(spec, state))


def read_weights(path: str | Path, spec: ModelSpec) -> nn.Module:
    """The model of ``spec`` with the file's weights and its own head (any number of
    classes); one line naming the file if it is not a loadable ``spec`` checkpoint."""
    state, _ = read_state(path)
    model = build_model(spec, check_state(path, state, spec))
    model.load_state_dict(state)  # keys and shapes are checked: it loads
    return model
