"""The cost of a training step as data (pydantic; importable without torch)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CATEGORIES = ("params", "buffers", "grads", "optimizer", "activations", "temp")


class Flops(BaseModel):
    forward: int
    backward: int
    optimizer: int = Field(description="Optimizer arithmetic, GaLore's SVD amortised over its "
                                       "refresh interval.")
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
    sum_of_category_maxima: int = Field(description="The study's profiler's 'peak': an upper "
                                                    "bound, for comparison.")


class Params(BaseModel):
    total: int
    trainable: int


class CostReport(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model: str
    method: str
    rank: int | None
    targets: str
    batch_size: int
    resolution: int
    num_classes: int
    flops: Flops
    memory: Memory
    params: Params
    storage_bytes: int = Field(description="The updated state as a safetensors file.")
    mode: str = Field(description="'fake' (no data, no compute) or 'real'.")
    seconds: float
    uncounted_ops: list[str] = Field(default_factory=list)
