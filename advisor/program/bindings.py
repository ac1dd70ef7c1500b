"""The program run through ExecuTorch's Python bindings: load it, step it with the runtime's
SGD, micro-batches accumulated by the caller (the runtime has no accumulation of its own).

executorch is an optional extra; without it this says how to install it, in one line.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from advisor.errors import AdvisorError
from advisor.program.support import MOMENTUM

INSTALL = "pip install 'advisor[executorch]'"


def require() -> None:
    """One line if the bindings cannot be imported beside this torch."""
    try:
        import executorch.extension.training  # noqa: F401
    except ImportError as exc:
        raise AdvisorError(f"ExecuTorch's training bindings do not load ({exc}): "
                           f"{INSTALL}") from None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The runtime's C++ logs what it reads of /proc and /sys when it loads a program and
    starts its thread pool (cpuinfo): noise a user cannot act on, written straight to file
    descriptor 2."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class ProgramRunner:
    """A loaded program and its optimizer; ``step`` is one optimizer step over ``passes``
    forward-backward passes."""

    def __init__(self, pte: Path, ptd: Path, lr: float) -> None:
        require()
        from executorch.extension.pybindings.portable_lib import _load_for_executorch
        from executorch.extension.training import TrainingModule

        with _quiet_stderr():
            self.module = TrainingModule(_load_for_executorch(str(pte), data_path=str(ptd)))
        self.lr = lr
        self.optimizer: Any = None
        self.gradients: dict[str, torch.Tensor] = {}

    def step(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
        """One SGD step on the mean loss of equal-sized ``batches``; returns that loss."""
        from executorch.extension.training import get_sgd_optimizer

        self.gradients = {}  # the last step's, no longer held while this one runs
        total: dict[str, torch.Tensor] = {}
        loss = 0.0
        for x, y in batches:
            # the first pass starts the runtime's thread pool, which logs what it reads
            with _quiet_stderr() if self.optimizer is None else contextlib.nullcontext():
                out = self.module.forward_backward("forward", (x, y))
            loss += float(out[0]) / len(batches)
            gradients = self.module.named_gradients()
            if len(batches) == 1:  # the bindings' copy is the step's gradient
                total = gradients
                break
            for name, grad in gradients.items():
                if name in total:
                    total[name].add_(grad, alpha=1 / len(batches))
                else:
                    total[name] = grad.mul_(1 / len(batches))  # the bindings' copy, ours now
        if self.optimizer is None:  # the parameters exist once a pass has run
            self.optimizer = get_sgd_optimizer(self.module.named_parameters(), self.lr,
                                               MOMENTUM, 0, 0, False)
        self.gradients = total
        self.optimizer.step(total)
        return loss

    def parameters(self) -> dict[str, torch.Tensor]:
        return self.module.named_parameters()
