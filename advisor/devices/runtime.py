"""The RAM a training process needs beyond its live tensors, per runtime.

The live-tensor peak of a step is exact (cost/); a real process needs more: the runtime's own
state (PyTorch's thread pools, oneDNN's primitive caches and scratchpads, the autograd
engine) and, with glibc's default allocator, freed memory the heap keeps. What each runtime
adds was measured by benchmarks/memory_vs_reality.py (fresh processes, peak RSS) where we
could; the rest is an assumption, and ``basis`` says which.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ByteSize, ConfigDict, Field

Runtime = Literal["pytorch-cpu", "pytorch-cuda", "bare-metal", "executorch"]


class RuntimeMemory(BaseModel):
    """RAM needed = ``fixed`` bytes + ``factor`` x the live-tensor peak (with ``workspace``,
    the peak including each convolution's kernel workspace, cost/memory.py), provided the
    process runs with ``environment`` set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(default=1.25, ge=1.0, le=3.0)
    fixed: ByteSize = Field(default=ByteSize(0))
    workspace: bool = False
    environment: dict[str, str] = Field(default_factory=dict)
    basis: str = Field(default="assumed", description="Where the figures come from.")

    def needed(self, peak_bytes: float, workspace_peak_bytes: float | None = None) -> int:
        peak = workspace_peak_bytes if self.workspace and workspace_peak_bytes else peak_bytes
        return int(self.fixed + self.factor * peak)

    def describe(self) -> str:
        fixed = f"{self.fixed.human_readable(separator=' ')} + " if self.fixed else ""
        peak = "the tensor peak with convolution workspace" if self.workspace else \
            "the tensor peak"
        env = (" with " + " ".join(f"{k}={v}" for k, v in self.environment.items())
               if self.environment else "")
        return f"{fixed}{self.factor:g} x {peak}{env} ({self.basis})"


RUNTIMES: dict[str, RuntimeMemory] = {
    # Fitted on 39 fresh processes (3 models x 13 configurations: methods, depths,
    # micro-batching, checkpointing; batch 32, 224 px) so that none needs more: all 39 within
    # 1.21x (benchmarks/memory_vs_reality.py --allocator mmap). In-sample: held out one model
    # at a time, the fit from the other two holds for mobilenet_v2 and resnet18 but not for
    # mobilenet_v3_small (whose runtime share is larger: 6 of 13 under, worst 0.88x). The
    # fixed part also moved between two machines of the same kind (45 -> ~70 MiB). The
    # allocator setting makes glibc give freed tensor memory back at once; without it a
    # process keeps up to ~2x more (the table for --allocator default).
    "pytorch-cpu": RuntimeMemory(
        factor=1.14, fixed=ByteSize(72 * 2**20), workspace=True,
        environment={"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"},
        basis="measured: PyTorch 2.14 on x86-64 Linux, glibc"),
    "pytorch-cuda": RuntimeMemory(
        factor=1.25, basis="assumed: not measured, no CUDA device was available; the CUDA "
                           "context is in the profile's usable RAM already"),
    "bare-metal": RuntimeMemory(
        factor=1.05, basis="assumed: a training engine with a static arena (MCUNetV3's Tiny "
                           "Training Engine plans its memory at compile time)"),
    # An ExecuTorch training program (advisor program): before a configuration is exported,
    # its eager tensor peak stands in for the program's planned arena (the arena was 0.56-0.97x
    # of it over 24 programs, docs/executorch.md) plus the runtime's measured 10 MiB bound;
    # the front-runners' RAM comes from their exported programs (program/advice.py).
    "executorch": RuntimeMemory(
        factor=1.0, fixed=ByteSize(10 * 2**20),
        basis="ExecuTorch: the program's memory plan for exported front-runners, else the "
              "eager tensor peak as a stand-in; 10 MiB runtime bound measured on x86-64 Linux"),
}
DEFAULT_RUNTIME: dict[str, Runtime] = {"sbc": "pytorch-cpu", "gpu-soc": "pytorch-cuda",
                                        "mcu": "bare-metal"}
