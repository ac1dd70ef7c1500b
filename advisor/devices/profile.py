"""Device profiles and user constraints.

A device profile only decides feasibility (does the update fit in the RAM a training process
can really use, and in flash?) and the estimated update time. Accuracy never depends on it,
which is why one search serves every device (docs/ARCHITECTURE.md).

Profiles are TOML files: the shipped catalog lives in ``profiles/`` (installed as the data
package ``advisor.profiles``); a user passes a path to their own file anywhere a device id is
accepted.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    PositiveFloat,
    model_validator,
)

from advisor import defaults
from advisor.defaults import BatchSize, Bytes, Resolution
from advisor.devices.runtime import DEFAULT_RUNTIME, RUNTIMES, Runtime, RuntimeMemory
from advisor.errors import AdvisorError, validated
from advisor.userfiles import read_text

GIGA = 1e9


class ComputeSpec(BaseModel):
    """What the device can compute for training (not inference accelerators it cannot train on)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    processor: str = Field(description="The unit that runs training, e.g. '128-core Maxwell GPU'.")
    fp32_peak_gflops: PositiveFloat = Field(description="Vendor/analytic FP32 peak, GFLOP/s.")
    fp16_peak_gflops: PositiveFloat | None = Field(default=None, description="FP16 peak, GFLOP/s.")
    training_gflops: PositiveFloat = Field(
        description="Sustained FP32 GFLOP/s a training step reaches: an ESTIMATE (see basis)."
    )
    training_gflops_basis: str = Field(
        description="How training_gflops was derived and how good it is."
    )

    @model_validator(mode="after")
    def _sustained_below_peak(self) -> ComputeSpec:
        if self.training_gflops > self.fp32_peak_gflops:
            raise ValueError("training_gflops cannot exceed fp32_peak_gflops")
        return self


class DeviceProfile(BaseModel):
    """An edge device as far as updating a model on it is concerned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: Literal["gpu-soc", "sbc", "mcu"]
    ram: Bytes = Field(description="Total RAM (or SRAM on a microcontroller).")
    usable_ram: Bytes = Field(
        description="What a training process can really use after OS, runtime, CUDA context."
    )
    flash: Bytes = Field(validation_alias=AliasChoices("flash", "storage"),
                            description="Flash / disk the update must be written to (a file "
                                        "may still call it 'storage').")
    memory_bandwidth_gbps: PositiveFloat | None = Field(default=None, description="GB/s.")
    compute: ComputeSpec
    batch_size: BatchSize = Field(default=defaults.COST_BATCH_SIZE,
                                  description="Typical update batch size on this device.")
    resolution: Resolution = Field(default=defaults.COST_RESOLUTION,
                                   description="Input resolution the deployed model runs at.")
    frozen_weights_in_flash: bool = Field(
        default=False, description="Frozen weights are read from flash, not held in RAM "
                                   "(microcontrollers, as in MCUNetV3's Tiny Training Engine).")
    runtime: Runtime | None = Field(
        default=None, description="What runs the update: pytorch-cpu, pytorch-cuda, "
                                  "bare-metal or executorch (default: by kind), which decides "
                                  "the RAM a process needs beyond its live tensors "
                                  "(runtime.py) and, for executorch, what it can run.")
    runtime_overhead: float | None = Field(
        default=None, ge=1.0, le=3.0,
        description="Overrides the runtime's measured model of what an update adds with a "
                    "plain factor: RAM needed per byte of live tensor peak (the process the "
                    "runtime counts stays counted).")
    sources: list[str] = Field(min_length=1, description="URLs or citations for the figures.")
    notes: str = ""

    @model_validator(mode="after")
    def _usable_within_total(self) -> DeviceProfile:
        if self.usable_ram > self.ram:
            raise ValueError("usable_ram cannot exceed ram")
        return self

    def training_flops_per_second(self) -> float:
        return self.compute.training_gflops * GIGA

    @property
    def runtime_name(self) -> Runtime:
        return self.runtime or DEFAULT_RUNTIME[self.kind]

    def memory(self) -> RuntimeMemory:
        """How much RAM an update with a given live-tensor peak needs on this device."""
        runtime = RUNTIMES[self.runtime_name]
        if self.runtime_overhead is not None:  # replaces what the update adds; the process stays
            return runtime.model_copy(update={
                "factor": self.runtime_overhead, "fixed": ByteSize(0), "workspace": False,
                "environment": {}, "basis": "this profile's runtime_overhead"})
        return runtime


class Constraints(BaseModel):
    """Limits a recommendation must respect on top of the device's own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_memory: Bytes | None = Field(
        default=None, description="RAM the update may use, e.g. 1.5GiB (default: the device's "
                                  "usable RAM)")
    max_update_time: PositiveFloat | None = Field(default=None, allow_inf_nan=False,
                                                  description="seconds an update may take")
    max_flash: Bytes | None = Field(default=None, description="flash the update may use, "
                                                                 "e.g. 2MB",
                                       validation_alias=AliasChoices("max_flash", "max_storage"))
    min_accuracy: float | None = Field(default=None, ge=0.0, le=1.0,
                                       description="lowest acceptable accuracy, 0..1")


def _catalog_dir() -> Path:
    return Path(str(resources.files("advisor.profiles")))


@cache
def _catalog() -> dict[str, DeviceProfile]:
    profiles = {}
    for path in sorted(_catalog_dir().glob("*.toml")):
        profile = load_profile_file(path)
        profiles[profile.id] = profile
    return profiles


def list_devices() -> list[DeviceProfile]:
    return list(_catalog().values())


def load_profile_file(path: str | Path) -> DeviceProfile:
    path = Path(path)
    text = read_text(path, "device file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AdvisorError(f"{path}: not valid TOML: {exc}") from None
    return validated(DeviceProfile, data, str(path))


def load_device(name_or_path: str | DeviceProfile) -> DeviceProfile:
    """A shipped device id (``jetson-nano``) or the path of a user's TOML profile."""
    if isinstance(name_or_path, DeviceProfile):
        return name_or_path
    catalog = _catalog()
    if name_or_path in catalog:
        return catalog[name_or_path]
    if name_or_path.endswith(".toml") or os.path.lexists(name_or_path):
        return load_profile_file(name_or_path)
    known = ", ".join(catalog)
    raise AdvisorError(f"unknown device '{name_or_path}'; choose one of: {known}, or a .toml path")
