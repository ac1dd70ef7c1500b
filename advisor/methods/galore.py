"""GaLore: full-parameter training whose optimizer state lives in a low-rank gradient subspace.

All weights train (so BatchNorm statistics update as in full fine-tuning); the target layers'
weights get projected Adam states of the given rank, the rest plain Adam. The projection is
refreshed by an SVD every ``refresh_interval`` steps, and its projector matrices are optimizer
state that stays between steps: both are this method's to tell the cost layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.methods.base import Method, Settings, train_everything
from advisor.methods.targets import target_modules

if TYPE_CHECKING:
    import torch
    from torch import nn

UPDATE_PROJ_GAP = 50  # short on-device updates: refresh the subspace every 50 steps
SCALE = 0.25  # the GaLore paper's default


class GaLore(Method):
    name = "galore"
    description = "all weights, low-rank projected Adam states on the target layers (galore-torch)"
    uses_rank = True
    uses_targets = True
    trains_norm_statistics = True
    default_lr = 4e-3  # x SCALE 0.25: projected layers move like full fine-tuning at 1e-3
    refresh_interval = UPDATE_PROJ_GAP

    def _select_trainable(self, model: nn.Module, head: str, config: Settings) -> nn.Module:
        return train_everything(model)

    def _optimizer(self, model: nn.Module, head: str, config: Settings,
                   lr: float) -> torch.optim.Optimizer:
        from advisor.methods.galore_conv import ConvGaLoreAdamW

        projected = {id(m.weight) for m in target_modules(model, head, config.targets).values()}
        low_rank = [p for p in model.parameters() if id(p) in projected]
        regular = [p for p in model.parameters() if id(p) not in projected]
        groups = [{"params": regular},
                  {"params": low_rank, "rank": config.rank, "update_proj_gap": UPDATE_PROJ_GAP,
                   "scale": SCALE, "proj_type": "std"}]
        return ConvGaLoreAdamW(groups, lr=lr, weight_decay=0.0, no_deprecation_warning=True)

    def optimizer_state(self, optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
        """Adam's moments plus each projector's orthogonal matrix (galore-torch keeps it in
        the state as a projector object, not a tensor)."""
        tensors = super().optimizer_state(optimizer)
        for state in optimizer.state.values():
            projector = state.get("projector")
            ortho = getattr(projector, "ortho_matrix", None)
            if ortho is not None:
                tensors.extend(ortho if isinstance(ortho, list) else [ortho])
        return tensors
