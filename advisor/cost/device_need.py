"""What a device needs to run a training step of known cost: its RAM and its flash.

In one place so that the recommender's feasibility (decision/feasibility.py) and a search
told its devices (study/device_targets.py) agree on what fits: a search that confirmed
configurations by another rule than the answer's would confirm the wrong ones.
"""

from __future__ import annotations

from advisor.cost.result import StepCost
from advisor.devices.profile import DeviceProfile

BYTES_PER_PARAM = 4  # float32 training


def frozen_bytes(cost: StepCost) -> int:
    """The weights the step reads and does not train."""
    return (cost.params.total - cost.params.trainable) * BYTES_PER_PARAM


def ram_needed(cost: StepCost, device: DeviceProfile, method: str) -> float:
    """The process's RAM on the device's runtime, less the frozen weights where the device
    reads them from flash."""
    runtime = device.memory()
    required = runtime.needed(cost.memory.peak_bytes, cost.memory.workspace_peak_bytes,
                              method)
    if device.frozen_weights_in_flash:
        required -= frozen_bytes(cost) * runtime.factor
    return required


def flash_needed(cost: StepCost, device: DeviceProfile) -> int:
    """What the update writes, and the frozen weights where the device keeps them in flash."""
    return cost.storage_bytes + (frozen_bytes(cost) if device.frozen_weights_in_flash else 0)


def fits(cost: StepCost, device: DeviceProfile, method: str) -> bool:
    """Whether the step fits the device's own limits (no user limit applies)."""
    return (ram_needed(cost, device, method) <= device.usable_ram
            and flash_needed(cost, device) <= device.flash)
