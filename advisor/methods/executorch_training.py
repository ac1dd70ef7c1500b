"""How an ExecuTorch training program trains a configuration: what it cannot run, the modes
its layers run in and its optimizer.

Kept here, below ``training/``, so that a trial can train the way a program does (a
``TrialConfig`` with ``optimizer="sgd"``): the accuracy a program's recommendation prints is
then measured with the program's own optimizer and modes, and ``program/`` exports exactly
what such a trial measured. The rules, and why:
- BatchNorm in training mode does not export (``_native_batch_norm_legit_functional`` has no
  out variant), so a program's norm layers use their running statistics. Full fine-tuning
  still trains every weight (affine norm parameters included) and says the statistics stay;
  norm+head's point is re-estimating them, so it is refused.
- GaLore projects gradients inside its optimizer; the runtime's only optimizer is SGD.
- ``torch.utils.checkpoint`` is dropped by the export without a word: the program would
  store the activations the configuration was costed as recomputing.
- Dropout is off: random ops are not exported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn

    from advisor.config import Config

OPTIMIZER = "sgd"  # the only optimizer executorch 1.5's Python bindings expose
MOMENTUM = 0.9
# How a program trains, in the words every note about it uses
TRAINS_AS = f"SGD with momentum {MOMENTUM:g}, BatchNorm statistics kept, dropout off"
STATISTICS_FROZEN = ("BatchNorm statistics stay at the starting weights' (the runtime cannot "
                     "update them)")


def refusal(config: Config) -> str | None:
    """Why ExecuTorch's training runtime cannot run ``config``; None where it can."""
    if config.method == "galore":
        return ("GaLore projects gradients inside its optimizer; ExecuTorch's training "
                "runtime has SGD only")
    if config.method == "norm_head":
        return ("norm+head re-estimates the BatchNorm statistics, which an ExecuTorch program "
                "cannot update (BatchNorm in training mode does not export)")
    if config.checkpointing:
        return ("checkpointing: torch.export drops torch.utils.checkpoint, so the program "
                "would store the activations this configuration recomputes; use it without "
                "checkpointing")
    return None


def program_modes(net: nn.Module) -> nn.Module:
    """The modes a program runs in, set on ``net`` (for a trial, and for the eager steps a
    program is checked against): BatchNorm on its running statistics, dropout off."""
    from torch import nn

    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm | nn.Dropout):
            module.eval()
    return net


def program_optimizer(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """SGD with the program's momentum over the same parameters and learning rates as
    ``optimizer`` (a method's AdamW), no weight decay: what ``get_sgd_optimizer`` runs."""
    import torch

    groups = [{"params": g["params"], "lr": g["lr"]} for g in optimizer.param_groups]
    return torch.optim.SGD(groups, momentum=MOMENTUM, weight_decay=0.0)
