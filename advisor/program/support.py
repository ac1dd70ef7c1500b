"""What ExecuTorch's training programs can run (methods/executorch_training.py holds the
rules, below the trials that measure them) and what a program does differently from
advisor's PyTorch update. Kept free of torch so that a recommendation can ask it for every
candidate."""

from __future__ import annotations

from advisor.config import Config
from advisor.errors import AdvisorError
from advisor.methods.executorch_training import (
    MOMENTUM,
    OPTIMIZER,
    STATISTICS_FROZEN,
    TRAINS_AS,
    refusal,
)

__all__ = ["FIELDS", "MOMENTUM", "OPTIMIZER", "RUNTIME", "check_lr", "notes", "passes",
           "refusal"]

RUNTIME = "executorch"
# What shapes a program: the configuration, its batch, resolution and seed (the optimizer's
# learning rate is SGD's own, --lr)
FIELDS = ("method", "rank", "targets", "depth", "micro_batch", "checkpointing", "batch_size",
          "resolution", "seed")


def check_lr(lr: float | None) -> None:
    """A program's (or its check's) --lr, where one is given."""
    if lr is not None and not 0 < lr < 1:
        raise AdvisorError(f"--lr {lr}: a learning rate is above 0 and below 1")


def passes(batch_size: int, micro_batch: int | None) -> int:
    """Forward-backward passes per optimizer step; the program's shape is one pass's (the
    configuration's micro-batch divides its batch: TrialConfig checks it)."""
    return 1 if micro_batch is None else batch_size // micro_batch


def notes(config: Config, measured_with: str | None = None) -> list[str]:
    """What the program does differently from advisor's PyTorch update of ``config``;
    ``measured_with``: the optimizer of the trials behind a recipe's accuracy (None: no
    recipe, nothing to say about it)."""
    said = f"optimizer: SGD with momentum {MOMENTUM:g} (the runtime's), not AdamW"
    if measured_with == OPTIMIZER:
        said += f"; the recipe's accuracy was measured the way the program trains ({TRAINS_AS})"
    elif measured_with is not None:
        said += (f"; the recipe's accuracy was measured with {measured_with}, SGD's is not "
                 "measured for this model and task")
    said = [said, "dropout off (random ops are not exported)"]
    if config.method == "full":
        said.append(f"full fine-tuning with {STATISTICS_FROZEN}")
    return said
