"""Does a configuration fit a device? The RAM and flash it needs there, the estimated update
time, and each limit it breaks, typed (verdicts.Violation).

The device decides only this: the cost is exact and device-independent at a given batch size
and resolution, the accuracy comes from the study.
"""

from __future__ import annotations

import math

from advisor import defaults
from advisor.accuracy.estimate import Estimate
from advisor.config import Config
from advisor.cost.device_need import flash_needed, ram_needed
from advisor.cost.result import StepCost
from advisor.decision.answer import Option
from advisor.decision.question import Question
from advisor.decision.verdicts import Extrapolation, Violation
from advisor.devices.profile import Constraints, DeviceProfile
from advisor.methods import METHODS


def memory_limit(device: DeviceProfile, limits: Constraints) -> int:
    """The RAM an update may need: the device's usable RAM, or less if --max-memory says so."""
    if limits.max_memory is None:
        return device.usable_ram
    return min(device.usable_ram, limits.max_memory)


def flash_limit(device: DeviceProfile, limits: Constraints) -> int:
    if limits.max_flash is None:
        return device.flash
    return min(device.flash, limits.max_flash)


def _check(constraint: str, need: float, limit: float, device_limit: float | None,
           violations: list[Violation], slack: dict[str, float]) -> None:
    slack[constraint] = limit - need
    if need > limit:
        set_by = "device" if device_limit is not None and limit == device_limit else "user"
        violations.append(Violation(constraint=constraint, need=need, limit=limit,
                                    set_by=set_by))


def evaluate(config: Config, estimate: Estimate, cost: StepCost, question: Question,
             trial_batch_size: int = defaults.TRIAL_BATCH_SIZE) -> Option:
    """A candidate (its accuracy estimate and exact cost, at the scale ``cost`` was taken at)
    judged against the question's device and limits (a question ``about`` the evidence: its
    samples and epochs set the update time)."""
    device, limits, epochs = question.device, question.constraints, question.epochs
    required = ram_needed(cost, device, config.method)
    steps = epochs * math.ceil(question.samples / cost.batch_size)
    seconds = cost.flops.total * steps / device.training_flops_per_second()
    flash_need = flash_needed(cost, device)
    violations: list[Violation] = []
    slack: dict[str, float] = {}
    _check("memory", required, memory_limit(device, limits), device.usable_ram, violations,
           slack)
    _check("flash", flash_need, flash_limit(device, limits), device.flash, violations, slack)
    if limits.max_update_time is not None:
        _check("update_time", seconds, limits.max_update_time, None, violations, slack)
    if limits.min_accuracy is not None:  # a floor: the need is the limit, the accuracy "fits"
        slack["accuracy"] = estimate.accuracy - limits.min_accuracy
        if estimate.accuracy < limits.min_accuracy:
            violations.append(Violation(constraint="accuracy", need=estimate.accuracy,
                                        limit=limits.min_accuracy, set_by="user"))
    memory = cost.memory.model_dump(exclude={"peak_bytes", "sum_of_category_maxima"})
    return Option(
        **config.model_copy(update={"lr": estimate.config.lr}).model_dump(), epochs=epochs,
        batch_size=cost.batch_size, resolution=cost.resolution,
        predicted_accuracy=estimate.accuracy, accuracy_error=estimate.half_width,
        measured_accuracy=estimate.accuracy if estimate.measured else None,
        measured_runs=estimate.runs,
        extrapolated=_extrapolated(config, cost.batch_size, trial_batch_size),
        peak_bytes=cost.memory.peak_bytes, memory_breakdown=memory,
        required_ram_bytes=int(required), flops_per_step=cost.flops.total,
        flops_breakdown=cost.flops.model_dump(exclude={"total"}), steps=steps,
        update_seconds=seconds, storage_bytes=cost.storage_bytes, flash_bytes=flash_need,
        params_trainable=cost.params.trainable, violations=violations, slack=slack)


def _extrapolated(config: Config, batch_size: int, trial_batch_size: int) -> list[Extrapolation]:
    """Where a method trains BatchNorm statistics, they are computed over each pass's samples:
    a micro-batch (or a device batch) other than the trials' batch is another computation."""
    if not METHODS[config.method].trains_norm_statistics:
        return []
    per_pass = config.micro_batch or batch_size
    if per_pass == trial_batch_size:
        return []
    return [Extrapolation(what="batchnorm_batch", measured=trial_batch_size, used=per_pass)]
