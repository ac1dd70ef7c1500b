"""Whether a method accepts a configuration on a model: the one decision that a trial (before
it loads data) and the cost layer's cached screening (before it ranks) both make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from advisor.errors import IncompatibleConfigError
from advisor.methods import get_method
from advisor.methods.base import Settings

if TYPE_CHECKING:
    from torch import nn

    from advisor.zoo import ModelSpec


class Choice(Settings, Protocol):
    """A configuration that names its method (``advisor.config.Config`` is one)."""

    @property
    def method(self) -> str: ...


def refusal(net: nn.Module, spec: ModelSpec, config: Choice) -> str | None:
    """None if ``config.method`` accepts ``config`` on ``net`` (a model of ``spec``, a meta
    skeleton is enough), else the reason it refuses (e.g. LoRA rank 8 on depthwise convs).
    Freezes the prefix ``config.depth`` leaves out, in place: reuse ``net`` only for
    configurations of the same depth."""
    try:
        get_method(config.method).check(net, spec.head, config, spec.blocks)
    except IncompatibleConfigError as exc:
        return str(exc)
    return None
