"""A user's own CNN: ``--model package.module:factory``, an importable callable returning an
``nn.Module`` (the directory advisor runs in is importable, as for ``python -m``). Its head's
size is whatever the factory builds; an update replaces the head when the weights' class
count differs, so the factory needs no ``num_classes`` argument."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn

    from advisor.models.spec import ModelSpec


def _factory(path: str):
    module_name, _, attr = path.partition(":")
    if not module_name or not attr or not all(p.isidentifier() for p in module_name.split(".")):
        raise AdvisorError(f"--model {path}: write a user model as package.module:factory")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's code: any error is theirs to read, in one line
        raise AdvisorError(f"--model {path}: cannot import {module_name} "
                           f"({type(exc).__name__}: {exc})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise AdvisorError(f"--model {path}: {module_name} has no callable '{attr}'")
    return factory


def _call(path: str) -> nn.Module:
    from torch import nn

    try:
        model = _factory(path)()
    except AdvisorError:
        raise
    except Exception as exc:
        raise AdvisorError(f"--model {path}: the factory raised {type(exc).__name__}: "
                           f"{exc}") from None
    if not isinstance(model, nn.Module):
        raise AdvisorError(f"--model {path}: the factory returned {type(model).__name__}, "
                           "not a torch.nn.Module")
    return model


def build(path: str, num_classes: int, options: tuple[tuple[str, Any], ...] = ()) -> nn.Module:
    """The factory's model with a head of ``num_classes`` outputs (fresh where it differs)."""
    from advisor.models.spec import get_head, head_shape, replace_head

    model = _call(path)
    spec = spec_for(path)
    if head_shape(get_head(model, spec))[0] != num_classes:
        replace_head(model, spec, num_classes)
    return model


@functools.cache
def spec_for(path: str) -> ModelSpec:
    import torch

    from advisor.models.structure import spec_of

    with torch.device("meta"):
        net = _call(path)
    return spec_of(net, path, f"{type(net).__name__} from {path}", "factory", path)
