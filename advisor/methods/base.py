"""The one small interface every fine-tuning method implements.

A method decides three things: which parameters train (possibly after inserting adapters), which
optimizer updates them, and whether BatchNorm statistics are part of the update. It may refuse a
configuration before any training, with a message that says what to choose instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.errors import IncompatibleConfigError
from advisor.methods.targets import TARGET_POLICIES

if TYPE_CHECKING:  # torch loads only when a method is applied: the registry stays light
    import torch
    from torch import nn


@dataclass(frozen=True)
class MethodConfig:
    method: str
    rank: int | None = None
    targets: str = "no-depthwise"
    lr: float | None = None  # None: the method's default


@dataclass
class Prepared:
    """A model ready for the update, and what the update touches."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    trains_norm_statistics: bool

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


class Method(ABC):
    name: str
    description: str
    uses_rank: bool = False
    uses_targets: bool = False
    trains_norm_statistics: bool = False
    default_lr: float = 1e-3

    def validate(self, model: nn.Module, head: str, config: MethodConfig) -> None:
        """Refuse a configuration that cannot work, before any training."""
        if self.uses_rank and (config.rank is None or config.rank < 1):
            raise IncompatibleConfigError(f"{self.name} needs --rank >= 1")
        if not self.uses_rank and config.rank is not None:
            raise IncompatibleConfigError(f"{self.name} has no rank; drop --rank")
        if config.targets not in TARGET_POLICIES:
            raise IncompatibleConfigError(
                f"unknown --targets '{config.targets}'; choose one of: "
                + ", ".join(TARGET_POLICIES))
        if config.lr is not None and not 0 < config.lr < 1:
            raise IncompatibleConfigError(f"--lr must be in (0, 1), got {config.lr}")

    @abstractmethod
    def _select_trainable(self, model: nn.Module, head: str, config: MethodConfig) -> nn.Module:
        """Freeze/unfreeze (or insert adapters); return the model to train."""

    def _optimizer(self, model: nn.Module, head: str, config: MethodConfig,
                   lr: float) -> torch.optim.Optimizer:
        import torch

        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)

    def select(self, model: nn.Module, head: str, config: MethodConfig) -> nn.Module:
        """Validate, then set what trains (inserting adapters if any); returns the model."""
        self.validate(model, head, config)
        return self._select_trainable(model, head, config)

    def attach_optimizer(self, model: nn.Module, head: str, config: MethodConfig) -> Prepared:
        """Separate from ``select`` so the cost profiler can materialise a meta-device model
        (as fake tensors) in between: the optimizer must hold the final parameters."""
        lr = config.lr if config.lr is not None else self.default_lr
        return Prepared(model, self._optimizer(model, head, config, lr),
                        self.trains_norm_statistics)

    def prepare(self, model: nn.Module, head: str, config: MethodConfig) -> Prepared:
        return self.attach_optimizer(self.select(model, head, config), head, config)


def freeze_all_but(model: nn.Module, keep: set[str]) -> nn.Module:
    """requires_grad only for parameters whose qualified name is in ``keep``."""
    for name, p in model.named_parameters():
        p.requires_grad_(name in keep)
    return model


def head_parameter_names(model: nn.Module, head: str) -> set[str]:
    return {f"{head}.{n}" for n, _ in model.get_submodule(head).named_parameters()}
