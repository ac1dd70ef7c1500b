"""What the cost model promises for this update, computed before any real allocation: the
exact live-tensor peak of its step (fake tensors), the RAM a process needs around it, and
the bytes of update.safetensors."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel

from advisor.allocator import HOST_RUNTIME
from advisor.config import Config
from advisor.devices.runtime import RUNTIMES
from advisor.errors import AdvisorError
from advisor.updater import memory
from advisor.updater.plan import Plan


class Prediction(BaseModel):
    peak_bytes: int
    workspace_peak_bytes: int
    ram_needed_bytes: int  # what the update adds on this machine (PyTorch on a CPU) above the
    # process's baseline: what the measured peak meets
    ram_needed_rule: str
    device_ram_needed_bytes: int | None = None
    storage_bytes: int
    flops_per_step: int


@cache
def _profile(model: str, config: Config, batch_size: int, resolution: int, num_classes: int):
    """The exact step cost (seconds of fake-mode profiling), once per process."""
    from advisor.cost import profile_config

    try:
        return profile_config(model, config, batch_size, resolution, num_classes)
    except ValueError as exc:  # e.g. BatchNorm training on one value: a micro-batch of 1
        raise AdvisorError(f"{config.label} cannot run at batch {batch_size}, {resolution} px: "
                           f"{str(exc).splitlines()[0]}") from None


def predict(plan: Plan, num_classes: int) -> Prediction:
    c = plan.config
    cost = _profile(c.model, c.as_config(), c.batch_size, c.resolution, num_classes)
    here = RUNTIMES[HOST_RUNTIME]
    m = cost.memory
    device_needed = (plan.device.memory().needed(m.peak_bytes, m.workspace_peak_bytes,
                                                 c.method)
                     if plan.device is not None else None)
    return Prediction(peak_bytes=m.peak_bytes, workspace_peak_bytes=m.workspace_peak_bytes,
                      ram_needed_bytes=here.added(m.peak_bytes, m.workspace_peak_bytes),
                      ram_needed_rule=here.describe_added() + " above the process's baseline",
                      device_ram_needed_bytes=device_needed,
                      storage_bytes=cost.storage_bytes, flops_per_step=cost.flops.total)


def check(plan: Plan, prediction: Prediction, force: bool) -> None:
    """Refuse, with both figures, what would not fit here or on the named device."""
    memory.check_host(prediction.peak_bytes, force)
    if plan.device is not None and prediction.device_ram_needed_bytes is not None:
        memory.check_device(plan.device, prediction.device_ram_needed_bytes,
                            prediction.peak_bytes, force, plan.ram_limit)
