"""What an update leaves in OUT/.

- update.safetensors: what a device writes to flash to keep the update, exactly the tensors
  the cost model counts as storage (cost/storage.py), no metadata: its size is the predicted
  storage to the byte.
- adapter/ (LoRA, DoRA): a standard peft adapter folder; ``PeftModel.from_pretrained`` loads
  it onto the starting model, built with a head of the update's classes (the trained head is
  in it as peft's ``modules_to_save``; peft cannot load a head of another size onto a base
  whose head has the old class count). A depth-limited adapter loads as any other: it names
  only the layers it reached. Nothing of the run is lost: LoRA and DoRA keep norm statistics
  frozen, and the frozen prefix (methods/reach.py) and checkpointing are how the step ran,
  not what it learned.
- model.safetensors: the whole updated model, adapters merged into their layers by peft, so
  inference costs what it cost before; a plain torchvision state dict, with advisor's mark,
  the class names and the resolution in its metadata (a later update reads them).
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from advisor.updater.outdir import OutDir
from advisor.updater.prepared import PreparedUpdate
from advisor.userfiles import MARK

if TYPE_CHECKING:
    from peft import PeftModel
    from torch import nn

ADAPTER_METHODS = ("lora", "dora")


def write_update_state(out: OutDir, update: PreparedUpdate) -> int:
    """update.safetensors; returns its size in bytes."""
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in update.update_state().items()}
    return out.write("update.safetensors", lambda tmp: save_file(state, str(tmp))).stat().st_size


def _peft_model(update: PreparedUpdate, base: nn.Module) -> PeftModel:
    """``base`` (the starting model) wrapped by peft, holding the trained adapters and head."""
    from peft import get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    head = update.spec.head
    config = dataclasses.replace(update.module.peft_config["default"], modules_to_save=[head])
    wrapped = get_peft_model(base, config)
    state = get_peft_model_state_dict(update.module)
    state.update({f"{head}.{n}": p.detach()
                  for n, p in update.module.get_submodule(head).named_parameters()})
    loaded = set_peft_model_state_dict(wrapped, {f"base_model.model.{k}": v
                                                 for k, v in state.items()})
    if loaded.unexpected_keys:
        raise RuntimeError(f"peft did not take {loaded.unexpected_keys[0]}")
    return wrapped.eval()


def _overlaid(update: PreparedUpdate, base: nn.Module) -> nn.Module:
    """``base`` with every tensor the update trained or re-estimated (no adapters here; the
    frozen prefix's inference-only norms hold the starting values already)."""
    import torch

    trained = update.module.state_dict()
    plain = base.state_dict()
    missing = set(update.update_state()) - set(plain)
    if missing:
        raise RuntimeError(f"{sorted(missing)[0]} has no place in the plain model")
    with torch.no_grad():
        for name, tensor in plain.items():
            if name in trained:
                tensor.copy_(trained[name])
    return base.eval()


def deployable(out: OutDir, update: PreparedUpdate, base: nn.Module) -> nn.Module:
    """The updated model for inference (written as model.safetensors by ``write_model``);
    for LoRA and DoRA the peft adapter folder is written on the way."""
    if update.config.method not in ADAPTER_METHODS:
        return _overlaid(update, base)
    wrapped = _peft_model(update, base)
    out.write_folder("adapter", lambda tmp: wrapped.save_pretrained(str(tmp)))
    return wrapped.merge_and_unload().eval()


def write_model(out: OutDir, model: nn.Module, spec_name: str, classes: tuple[str, ...],
                resolution: int) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    metadata = {"written_by": f"{MARK} (advisor update)", "format": "pt", "model": spec_name,
                "classes": json.dumps(list(classes)), "resolution": str(resolution)}
    out.write("model.safetensors", lambda tmp: save_file(state, str(tmp), metadata=metadata))
