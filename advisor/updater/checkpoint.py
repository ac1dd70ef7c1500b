"""A checkpoint after each epoch, so that a killed update goes on where it stopped.

It holds what the update changed (cost/storage.py's update state), the optimizer's state
and the random number generator's (dropout draws from it), nothing else: the rest of the
model is the starting weights. Resumed from it, a run ends with the weights an uninterrupted
run with the same seed ends with, bit for bit (the order of each epoch's batches depends on
the seed and the epoch alone, stream.py). Read back with ``weights_only``: no code is run
from the file, only GaLore's projector objects are allowed in it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from advisor.updater.prepared import PreparedUpdate


def save(path: Path, update: PreparedUpdate, epochs_done: int, steps: int) -> None:
    """Write the checkpoint to ``path`` (outdir.py makes the write atomic)."""
    torch.save({"epochs_done": epochs_done, "steps": steps,
                "update": {k: v.detach() for k, v in update.update_state().items()},
                "optimizer": update.optimizer.state_dict(), "rng": torch.get_rng_state()},
               path)


def _allowed() -> list[type]:
    from galore_torch.galore_projector import GaLoreProjector

    from advisor.methods.galore_conv import ConvGaLoreProjector

    return [GaLoreProjector, ConvGaLoreProjector]


def load(path: Path, update: PreparedUpdate) -> tuple[int, int]:
    """Restore ``update`` (prepared as the interrupted run was) from ``path``; returns
    (epochs done, steps done)."""
    with torch.serialization.safe_globals(_allowed()):
        state = torch.load(path, map_location="cpu", weights_only=True)
    own = update.update_state()
    if set(state["update"]) != set(own):
        raise ValueError("the checkpoint holds other tensors than this update trains")
    with torch.no_grad():
        for name, tensor in own.items():
            tensor.copy_(state["update"][name])
    update.optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return int(state["epochs_done"]), int(state["steps"])
