"""A fix for galore-torch 1.0 (its only PyPI release) on convolution weights.

Its projector handles 2-D gradients only: a 4-D conv weight crashes in torch.diag. A conv
weight (C_out, C_in/groups, kh, kw) acts as the matrix (C_out, C_in/groups*kh*kw) on the
unfolded input, so we project that matrix and fold the update back. The optimizer creates a
projector only when the state has none, so pre-seeding the state with ours is the whole fix:
no copy of GaLore's update rule. Tested against the library's own 2-D path on the same matrix.
"""

from __future__ import annotations

import torch
from galore_torch import GaLoreAdamW
from galore_torch.galore_projector import GaLoreProjector


class ConvGaLoreProjector(GaLoreProjector):
    def project(self, full_rank_grad: torch.Tensor, iter: int) -> torch.Tensor:
        self.full_shape = full_rank_grad.shape
        return super().project(full_rank_grad.reshape(full_rank_grad.shape[0], -1), iter)

    def project_back(self, low_rank_grad: torch.Tensor) -> torch.Tensor:
        return super().project_back(low_rank_grad).reshape(self.full_shape)


class ConvGaLoreAdamW(GaLoreAdamW):
    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            if "rank" not in group:
                continue
            for p in group["params"]:
                if p.dim() > 2 and "projector" not in self.state[p]:
                    self.state[p]["projector"] = ConvGaLoreProjector(
                        group["rank"], update_proj_gap=group["update_proj_gap"],
                        scale=group["scale"], proj_type=group["proj_type"])
        return super().step(closure)
