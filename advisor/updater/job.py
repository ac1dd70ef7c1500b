"""``advisor update`` as a function: every check first (nothing is written until all pass,
setup.py), then the update, its outputs and manifest (carry_out.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from advisor import allocator
from advisor.updater.carry_out import carry_out
from advisor.updater.manifest import Manifest
from advisor.updater.setup import prepare_update

if TYPE_CHECKING:
    from advisor.decision.answer import Recommendation
    from advisor.devices.profile import Constraints, DeviceProfile


def update(model: str | None, images: str | Path, out: str | Path, *,
           weights: str = "builtin", recipe: str | None = None,
           device: str | DeviceProfile | None = None, constraints: Constraints | None = None,
           config: BaseModel | dict[str, Any] | None = None, task: str | None = None,
           val_fraction: float | None = None, resume: bool = False, force: bool = False,
           prefer: str | None = None,
           on_recommendation: Callable[[Recommendation], None] | None = None,
           on_epoch: Callable[[int], None] | None = None,
           fitted_allocator: bool = True) -> Manifest:
    """Update ``model`` (a zoo name; None: the recipe's) from ``weights`` (a .pt or
    .safetensors state dict, builtin or imagenet) on the labelled ``images`` and write
    ``out``/: update.safetensors, adapter/ (LoRA, DoRA), model.safetensors, manifest.json.

    The configuration comes from ``recipe`` (a ``recommend --export`` file), else from
    ``config`` (a Config or TrialConfig, or a dict of their fields: epochs, batch_size,
    resolution, seed too), else it is recommended for ``device`` (with ``constraints`` and
    ``prefer``, shown through ``on_recommendation``). ``task``: shift keeps the head, unseen
    gives a new one (default: shift where the head already has the images' classes).
    ``on_epoch(epochs done)`` runs after each epoch's checkpoint; ``resume`` goes on from the
    last one. ``fitted_allocator=False`` keeps glibc's default allocator (faster steps; the
    peak RSS is then not the quantity RAM needed was fitted on). Bad input is an AdvisorError,
    raised before anything is written."""
    started = time.perf_counter()
    allocator_set = allocator.use_fitted() if fitted_allocator else False
    setup = prepare_update(model, images, out, weights=weights, recipe=recipe, device=device,
                           constraints=constraints, config=config, task=task,
                           val_fraction=val_fraction, resume=resume, force=force,
                           prefer=prefer, on_recommendation=on_recommendation)
    return carry_out(setup, resume, on_epoch, started, allocator_set)
