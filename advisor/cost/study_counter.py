"""FLOPs of a training step as the study's profiler counts them: torch's FlopCounterMode.

advisor never uses this count for advice (flops.py is exact); the benchmark report uses it to
show where the study's FLOP figures come from. torch's counter ignores ``groups`` in the
convolution weight gradient, so a depthwise layer's backward is over-counted about ``groups``
times (REFERENCES.md). That inflates full fine-tuning of a depthwise-separable CNN, but not an
adapter method that freezes the depthwise layers, and so inflates the apparent FLOP reduction.
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from advisor.cost.step import DEFAULT_NUM_CLASSES, prepared_for_step, training_step


def torch_counted_flops(model: str, method: str, rank: int | None = None,
                        targets: str = "no-depthwise", batch_size: int = 32,
                        resolution: int = 224, num_classes: int = DEFAULT_NUM_CLASSES) -> int:
    """Forward + backward FLOPs of a steady-state step (torch counts no optimizer arithmetic)."""
    with prepared_for_step(model, method, rank, targets, num_classes) as (prepared, _, _):
        prepared.set_train_mode()
        x = torch.randn(batch_size, 3, resolution, resolution)
        y = torch.randint(0, num_classes, (batch_size,))
        training_step(prepared, x, y)  # creates the optimizer state, as in the study's step 2
        with FlopCounterMode(display=False) as counter:
            training_step(prepared, x, y)
    return int(counter.get_total_flops())
