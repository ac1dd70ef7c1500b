"""FLOPs of a training step as the paper's profiler counts them: torch's FlopCounterMode.

advisor never uses this count for advice (flops.py is exact); the benchmark report uses it to
show where the paper's FLOP figures come from. torch's counter ignores ``groups`` in the
convolution weight gradient, so a depthwise layer's backward is over-counted about ``groups``
times. That inflates full fine-tuning of a depthwise-separable CNN, but not an adapter method
that freezes the depthwise layers, and so inflates the apparent FLOP reduction.
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from advisor import defaults
from advisor.config import Config
from advisor.cost.step import prepared_for_step, training_step


def torch_counted_flops(model: str, config: Config, batch_size: int = defaults.COST_BATCH_SIZE,
                        resolution: int = defaults.COST_RESOLUTION,
                        num_classes: int = defaults.NUM_CLASSES) -> int:
    """Forward + backward FLOPs of a steady-state step (torch counts no optimizer arithmetic)."""
    with prepared_for_step(model, config, num_classes) as (prepared, _):
        prepared.set_train_mode()
        x = torch.randn(batch_size, 3, resolution, resolution)
        y = torch.randint(0, num_classes, (batch_size,))
        training_step(prepared, [(x, y)], batch_size)  # creates the optimizer state
        with FlopCounterMode(display=False) as counter:
            training_step(prepared, [(x, y)], batch_size)
    return int(counter.get_total_flops())
