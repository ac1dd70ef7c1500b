"""The cost of a training step as data (pydantic; importable without torch)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from advisor.config import Config

CATEGORIES = ("params", "buffers", "grads", "optimizer", "activations", "temp")


class Flops(BaseModel):
    forward: int
    backward: int
    optimizer: int = Field(description="Optimizer arithmetic, with work a method repeats only "
                                       "every few steps (GaLore's SVD) amortised.")
    total: int
    svd_per_refresh: int = Field(0, description="GaLore: FLOPs of one projection refresh.")


class Memory(BaseModel):
    peak_bytes: int = Field(description="True simultaneous peak of live tensor memory.")
    params: int
    buffers: int
    grads: int
    optimizer: int
    activations: int
    temp: int
    sum_of_category_maxima: int = Field(description="What the paper's profiler reports as the "
                                                    "peak: an upper bound, for comparison.")
    workspace_peak_bytes: int = Field(
        description="The peak with a convolution's kernel workspace: at each convolution, the "
                    "live tensors plus a copy of its largest operand (oneDNN reorders it). A "
                    "model of the runtime, fitted to real processes; RAM needed starts here.")


class Params(BaseModel):
    total: int
    trainable: int


class StepCost(BaseModel):
    """FLOPs, peak memory and storage of one training step of ``config`` on ``model``."""

    model_config = ConfigDict(protected_namespaces=())

    model: str
    config: Config = Field(description="The configuration's cost fields (the rest, like the "
                                       "learning rate, do not change the cost).")
    batch_size: int
    resolution: int
    num_classes: int
    flops: Flops
    memory: Memory
    params: Params
    storage_bytes: int = Field(description="The updated state as a safetensors file: what "
                                           "must be written to flash to keep the update.")
    mode: str = Field(description="'fake' (no data, no compute) or 'real'.")
    seconds: float
    uncounted_ops: list[str] = Field(default_factory=list)
