"""The least RAM any update of a model needs on a device, known before any lever is tried.

Levers (levers.py) cost a profile each; a limit no lever can meet should not pay for them.
Two floors, both below what every configuration needs:
- at any scale: the runtime's fixed part plus its factor on the weights that must sit in RAM
  (all of them, unless the device keeps frozen weights in flash);
- at the question's resolution: the same with one sample's forward pass, the least any step
  keeps live (model_facts.forward_peak: whatever the depth, micro-batch or checkpointing, a
  step runs at least that pass with every weight present).
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.cost.device_need import BYTES_PER_PARAM
from advisor.cost.model_facts import forward_peak, parameter_count
from advisor.decision.feasibility import memory_limit
from advisor.decision.question import Question


@dataclass(frozen=True)
class Floor:
    limit: int  # the question's RAM limit
    any_scale: int  # RAM no update of the model does without on this device, at any scale
    at_scale: int | None = None  # with one sample's forward pass at the question's resolution

    @property
    def below_any_scale(self) -> bool:
        return self.limit < self.any_scale

    @property
    def blocks_levers(self) -> bool:
        """No micro-batch or checkpointing can bring an update under the limit."""
        return self.below_any_scale or (self.at_scale is not None and self.limit < self.at_scale)


def ram_floor(model: str, question: Question) -> Floor:
    """The floors for ``question`` (the forward pass is costed only if the limit is above the
    floor at any scale: a fake-mode profile where no cache holds it)."""
    device = question.device
    runtime = device.memory()
    weights = 0 if device.frozen_weights_in_flash else \
        parameter_count(model, question.num_classes) * BYTES_PER_PARAM
    floor = Floor(memory_limit(device, question.constraints), runtime.needed(weights))
    if floor.below_any_scale:
        return floor
    forward = forward_peak(model, question.resolution, question.num_classes)
    return Floor(floor.limit, floor.any_scale, runtime.needed(weights + forward))
