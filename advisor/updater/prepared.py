"""``advisor.prepare``: a model made ready for one configuration's update, for people who keep
their own training loop (as peft's ``get_peft_model`` does for adapters).

The step is the one every cost in advisor was measured on (cost/step.py): its micro-batches
accumulate gradients, so what it holds is what the configuration was costed for. The loss it
returns is read off the logits by a forward hook, so the step runs exactly its own ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.config import Config
from advisor.errors import AdvisorError
from advisor.methods import Prepared, get_method
from advisor.zoo import MODELS, ModelSpec, resolve_model

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass
class PreparedUpdate:
    """The model to train (changed in place: adapters inserted, the frozen prefix made
    inference-only), its optimizer, and ``step``."""

    module: nn.Module
    optimizer: torch.optim.Optimizer
    config: Config
    prepared: Prepared
    spec: ModelSpec

    def train(self) -> None:
        """Training mode, except the norm layers whose statistics the method keeps."""
        self.prepared.set_train_mode()

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """One optimizer step on the batch (x, y), in micro-batches if the configuration has
        them; returns the batch's mean cross-entropy loss."""
        from advisor.cost.step import micro_batches

        return self.step_batches(micro_batches(x, y, self.config.micro_batch), len(x))

    def step_batches(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                     samples: int) -> float:
        """One optimizer step over micro-batches given one at a time (``samples`` in all)."""
        import torch.nn.functional as F

        from advisor.cost.step import training_step

        self.train()
        current: dict[str, Any] = {}
        total = [0.0]

        def labelled() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
            for x, y in batches:
                current["y"] = y
                yield x, y
                del x  # freed before the next micro-batch is read, as in the profile

        def record(_module, _inputs, logits) -> None:
            total[0] += float(F.cross_entropy(logits.detach(), current["y"], reduction="sum"))

        handle = self.module.register_forward_hook(record)
        try:
            training_step(self.prepared, labelled(), samples)
        finally:
            handle.remove()
        return total[0] / samples

    def update_state(self) -> dict[str, torch.Tensor]:
        """What an update changes (trainable tensors, norm statistics where they train):
        exactly the tensors the cost model counts as storage."""
        from advisor.cost.storage import update_state

        return update_state(self.module, self.prepared.trains_norm_statistics)


def identify(model: nn.Module) -> ModelSpec:
    """The zoo architecture ``model`` is (any head size), by its parameters' names and shapes."""
    from advisor.weights import difference

    state = model.state_dict()
    for spec in MODELS.values():
        if difference(spec, state) is None:
            return spec
    raise AdvisorError(f"{type(model).__name__} is not a model of advisor's zoo (advisor "
                       "models), or it holds adapters already; pass architecture=NAME")


def prepare(model: nn.Module, config: Config | dict[str, Any], *,
            architecture: str | None = None, seed: int | None = None) -> PreparedUpdate:
    """Make ``model`` (a zoo architecture whose head already has the update's classes) ready
    for ``config``: what trains, adapters, the frozen prefix, checkpointing, the optimizer.
    ``seed`` seeds the adapters' initialisation."""
    import torch

    spec = resolve_model(architecture) if architecture is not None else identify(model)
    if not isinstance(config, Config):
        config = Config.model_validate(config)
    config = config.as_config() if type(config) is not Config else config
    if seed is not None:
        torch.manual_seed(seed)
    prepared = get_method(config.method).prepare(model, spec.head, config, spec.blocks)
    prepared.set_train_mode()
    return PreparedUpdate(prepared.model, prepared.optimizer, config, prepared, spec)
