"""The one small interface every fine-tuning method implements.

A method decides which parameters train (possibly after inserting adapters), which optimizer
updates them and whether BatchNorm statistics are part of the update; it may refuse a
configuration before any training, with a message that says what to choose instead. It also
owns what the cost layer must know about it: which tensors its optimizer keeps between steps
and which of its work recurs only every few steps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from advisor.methods import reach
from advisor.methods.reach import Blocks

if TYPE_CHECKING:  # torch loads only when a method is applied: the registry stays light
    import torch
    from torch import nn


class Settings(Protocol):
    """What a method reads of a configuration (``advisor.config.Config`` is one). A protocol,
    not an import: the configuration canonicalises itself with the method registry, so the
    methods must not depend on it."""

    @property
    def rank(self) -> int | None: ...

    @property
    def targets(self) -> str: ...

    @property
    def lr(self) -> float | None: ...

    @property
    def depth(self) -> int | None: ...

    @property
    def checkpointing(self) -> bool: ...


@dataclass
class Prepared:
    """A model ready for the update, its optimizer, and the method that made them."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    method: Method

    @property
    def trains_norm_statistics(self) -> bool:
        return self.method.trains_norm_statistics

    def trainable_parameters(self) -> dict[str, nn.Parameter]:
        return {n: p for n, p in self.model.named_parameters() if p.requires_grad}

    def set_train_mode(self) -> None:
        """Training mode, except norm layers whose statistics the method keeps frozen."""
        from torch import nn

        self.model.train()
        if not self.trains_norm_statistics:
            for m in self.model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()

    def optimizer_state(self) -> list[torch.Tensor]:
        return self.method.optimizer_state(self.optimizer)


class Method(ABC):
    name: str
    description: str
    uses_rank: bool = False
    uses_targets: bool = False
    trains_norm_statistics: bool = False
    default_lr: float = 1e-3
    reaches_backbone: bool = True  # False: only the head trains (depth means nothing)
    refresh_interval: int | None = None
    """Steps between repetitions of work done in the first step only (GaLore's projection
    refresh): the cost layer amortises that work over this many steps."""

    def validate(self, model: nn.Module, head: str, config: Settings) -> None:  # noqa: B027
        """Refuse a configuration that cannot work on this model, before any training. The
        configuration itself is already canonical and in range; most methods take any."""

    @abstractmethod
    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        """Freeze/unfreeze (or insert adapters); return the model to train."""

    def _optimizer(self, model: nn.Module, head: str, config: Settings,
                   lr: float) -> torch.optim.Optimizer:
        import torch

        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)

    def optimizer_state(self, optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
        """The tensors the optimizer keeps between steps (Adam's moments by default)."""
        import torch

        return [value for state in optimizer.state.values() for value in state.values()
                if isinstance(value, torch.Tensor)]

    def check(self, model: nn.Module, head: str, config: Settings, blocks: Blocks = ()) -> None:
        """``validate`` on the part of the model the update reaches (the prefix frozen)."""
        reach.freeze(model, reach.split(blocks, config.depth)[0])
        self.validate(model, head, config)

    def select(self, model: nn.Module, head: str, config: Settings,
               blocks: Blocks = ()) -> nn.Module:
        """Freeze the blocks the update does not reach, validate, set what trains (inserting
        adapters, only where the update reaches), checkpoint the updated blocks if asked;
        returns the model. ``blocks``: the model's blocks (zoo.ModelSpec.blocks)."""
        frozen, updated = reach.split(blocks, config.depth)
        self.check(model, head, config, blocks)
        model = self._select_trainable(model, head, config)
        reach.freeze(model, frozen)  # a method that trains everything unfroze the prefix
        if config.checkpointing:
            reach.checkpoint(model, updated)
        return model

    def attach_optimizer(self, model: nn.Module, head: str, config: Settings) -> Prepared:
        """Separate from ``select`` so the cost profiler can materialise a meta-device model
        (as fake tensors) in between: the optimizer must hold the final parameters."""
        lr = config.lr if config.lr is not None else self.default_lr
        return Prepared(model, self._optimizer(model, head, config, lr), self)

    def prepare(self, model: nn.Module, head: str, config: Settings,
                blocks: Blocks = ()) -> Prepared:
        return self.attach_optimizer(self.select(model, head, config, blocks), head, config)


def freeze_all_but(model: nn.Module, keep: set[str]) -> nn.Module:
    """requires_grad only for parameters whose qualified name is in ``keep``."""
    for name, p in model.named_parameters():
        p.requires_grad_(name in keep)
    return model


def head_parameter_names(model: nn.Module, head: str) -> set[str]:
    return {f"{head}.{n}" for n, _ in model.get_submodule(head).named_parameters()}


def train_everything(model: nn.Module) -> nn.Module:
    for p in model.parameters():
        p.requires_grad_(True)
    return model
