"""The true simultaneous peak of live tensor memory over a training step, by category.

Every storage an op creates is recorded with its size when it appears and removed when Python
frees it (a weakref callback on the storage, the technique of torch's private MemTracker, which
we do not use: it is a private API and has crashed on frozen parameters). The peak is the
largest *simultaneous* total, with the breakdown at that moment, not the sum of each category's
own maximum (the upper bound the paper's profiler reports; we compute that too, for comparison).

Categories: params, buffers, grads, optimizer (state kept between steps), activations (saved
for backward) and temp (everything else: forward/backward temporaries, optimizer scratch).
Works the same on real and on fake tensors, since it only reads storage sizes.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from advisor.cost.flops import tensors_in
from advisor.cost.result import CATEGORIES


class MemoryTracker(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self._live: dict[int, list] = {}  # id(storage) -> [nbytes, category, weakref]
        self.current = dict.fromkeys(CATEGORIES, 0)
        self.category_max = dict.fromkeys(CATEGORIES, 0)
        self.peak_bytes = 0
        self.peak_breakdown = dict.fromkeys(CATEGORIES, 0)
        self.timeline: list[tuple[int, ...]] = []  # per-category totals after each growth
        # A convolution's kernel (oneDNN) may copy its largest operand into another layout
        # while it runs, outside any tensor: not live memory, but RAM a process needs.
        self.workspace_peak = 0
        self.workspace_timeline: list[tuple[int, ...]] = []  # totals + that operand, per conv

    # -- bookkeeping ---------------------------------------------------------------------------
    def _freed(self, key: int, _ref) -> None:
        entry = self._live.pop(key, None)
        if entry is not None:
            self.current[entry[1]] -= entry[0]

    def _update_peak(self) -> None:
        self.timeline.append(tuple(self.current[c] for c in CATEGORIES))
        total = sum(self.current.values())
        for c in CATEGORIES:
            self.category_max[c] = max(self.category_max[c], self.current[c])
        if total > self.peak_bytes:
            self.peak_bytes = total
            self.peak_breakdown = dict(self.current)

    def track(self, tensor: torch.Tensor, category: str) -> None:
        """Record a tensor's storage (once), or move it to ``category`` if already recorded."""
        storage = tensor.untyped_storage()
        key = id(storage)
        entry = self._live.get(key)
        if entry is None:
            nbytes = storage.nbytes()
            self._live[key] = [nbytes, category, weakref.ref(storage, lambda r, k=key:
                                                              self._freed(k, r))]
            self.current[category] += nbytes
            self._update_peak()
        elif entry[1] != category:
            self.current[entry[1]] -= entry[0]
            entry[1] = category
            self.current[category] += entry[0]
            self._update_peak()

    def track_all(self, tensors: Iterable[torch.Tensor], category: str) -> None:
        for t in tensors:
            self.track(t, category)

    def reclassify(self, tensor: torch.Tensor, category: str, only_from: str = "temp") -> None:
        entry = self._live.get(id(tensor.untyped_storage()))
        if entry is not None and entry[1] == only_from:
            self.track(tensor, category)

    def sum_of_category_maxima(self) -> int:
        return sum(self.category_max.values())

    # -- dispatch --------------------------------------------------------------------------------
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tensors_in(out):
            if id(t.untyped_storage()) not in self._live:
                self.track(t, "temp")
        transient = 0
        if func is torch.ops.aten.convolution_backward.default and _weight_grad_implied(args) \
                and out[1] is None:
            # ATen's CPU kernels compute a conv's weight gradient whenever its bias gradient is
            # asked for, and return it; autograd drops it at once. Meta/fake kernels do not, so
            # the transient is added here: fake mode then matches a real CPU step exactly.
            w = args[2]
            transient = w.numel() * w.element_size()
            self.current["temp"] += transient
            self._update_peak()
        if func in _CONVOLUTIONS:
            operand = max(t.untyped_storage().nbytes() for t in tensors_in(args))
            self.workspace_timeline.append((*(self.current[c] for c in CATEGORIES), operand))
            self.workspace_peak = max(self.workspace_peak, sum(self.current.values()) + operand)
        self.current["temp"] -= transient
        return out


_CONVOLUTIONS = (torch.ops.aten.convolution.default, torch.ops.aten.convolution_backward.default)


def _weight_grad_implied(args) -> bool:
    output_mask = args[10]
    return bool(output_mask[2]) and not output_mask[1]
