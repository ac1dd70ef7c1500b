"""A BatchNorm2d fixed at its running statistics, for the blocks an update does not reach.

Why not torchvision's ``FrozenBatchNorm2d``: it computes ``x * scale + shift`` in two ops, so a
frozen block holds two full-size temporaries where an eval-mode BatchNorm holds one; at 224 px
that is tens of MiB more than a device's inference needs. This calls the same kernel as an
eval-mode ``nn.BatchNorm2d`` (tests/test_reach.py checks it is equal, output and memory), but is
not a ``_BatchNorm``: a method that trains norms, ``set_train_mode`` and BatchNorm
recalibration (``update_bn``) leave it alone, and it has no parameters.
"""

from __future__ import annotations

import torch
from torch import nn


class InferenceBatchNorm2d(nn.Module):
    def __init__(self, bn: nn.BatchNorm2d) -> None:
        super().__init__()
        self.eps = bn.eps
        with torch.no_grad():
            for name in ("weight", "bias", "running_mean", "running_var"):
                self.register_buffer(name, getattr(bn, name).detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.batch_norm(x, self.running_mean, self.running_var, self.weight,
                                        self.bias, False, 0.0, self.eps)
