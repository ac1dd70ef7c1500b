"""What must be written to flash to keep an update: the trained state as a safetensors file.

Computed from names, shapes and dtypes alone (so it works on fake tensors, at any scale, with no
memory): an 8-byte header length, the JSON header padded with spaces to a multiple of 8, then the
raw data, tensors ordered by dtype alignment then name, as the safetensors library writes them.
tests/test_cost_step.py checks it byte-for-byte against ``safetensors.torch.save``.
"""

from __future__ import annotations

import json

import torch
from torch import nn

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
           torch.float64: "F64", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8",
           torch.int8: "I8", torch.bool: "BOOL"}


def update_state(model: nn.Module, trains_norm_statistics: bool) -> dict[str, torch.Tensor]:
    """The tensors an update changes: trainable parameters, and norm statistics if updated."""
    state = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if trains_norm_statistics:
        for name, module in model.named_modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                for b, t in module.named_buffers(recurse=False):
                    state[f"{name}.{b}"] = t
    return state


def safetensors_bytes(tensors: dict[str, torch.Tensor]) -> int:
    entries = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, offset = {}, 0
    for name, t in entries:
        size = t.numel() * t.element_size()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":"))
    padded = len(text.encode()) + (-len(text.encode())) % 8
    return 8 + padded + offset
