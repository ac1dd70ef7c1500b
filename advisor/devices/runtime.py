"""The RAM a training process needs beyond its live tensors, per runtime.

The live-tensor peak of a step is exact (cost/); a real process needs more: the runtime's own
state (PyTorch's thread pools, oneDNN's primitive caches and scratchpads, the autograd
engine) and, with glibc's default allocator, freed memory the heap keeps. What each runtime
adds was measured by benchmarks/memory_vs_reality.py (fresh processes, peak RSS) where we
could; the rest is an assumption, and ``basis`` says which.

Before any of that, the process holds its interpreter and the code it imported: hundreds of
MiB for PyTorch, more than many updates' tensors. That part (``process``) is counted in RAM
needed where it was measured (benchmarks/process_baseline.py) and says so; where it is not,
the device profile's usable RAM leaves room for it, as its comment says.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ByteSize, ConfigDict, Field

Runtime = Literal["pytorch-cpu", "pytorch-cuda", "bare-metal", "executorch"]


class RuntimeMemory(BaseModel):
    """RAM needed = ``process`` + ``fixed`` bytes + ``factor`` x the live-tensor peak (with
    ``workspace``, the peak including each convolution's kernel workspace, cost/memory.py),
    provided the process runs with ``environment`` set. ``process`` is what the process
    holds before the update builds its model; the rest is what the update adds to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(default=1.25, ge=1.0, le=3.0)
    fixed: ByteSize = Field(default=ByteSize(0))
    workspace: bool = False
    environment: dict[str, str] = Field(default_factory=dict)
    process: ByteSize = Field(default=ByteSize(0))
    process_extra: dict[str, ByteSize] = Field(
        default_factory=dict, description="What a method's update process holds beyond "
                                          "``process``, where it imports more (peft, "
                                          "galore-torch); ``process`` is the lightest's.")
    basis: str = Field(default="assumed", description="Where the figures come from.")
    process_basis: str = Field(default="", description="Where ``process`` comes from; empty "
                                                       "where it is not counted here.")

    def added(self, peak_bytes: float, workspace_peak_bytes: float | None = None) -> int:
        """What the update adds to the process's baseline (what an update on this machine
        measures above its own baseline)."""
        peak = workspace_peak_bytes if self.workspace and workspace_peak_bytes else peak_bytes
        return int(self.fixed + self.factor * peak)

    def process_of(self, method: str | None = None) -> int:
        """The process before it trains, for an update of ``method`` (None: the lightest, a
        floor for any update)."""
        return int(self.process) + int(self.process_extra.get(method or "", 0))

    def needed(self, peak_bytes: float, workspace_peak_bytes: float | None = None,
               method: str | None = None) -> int:
        """RAM needed by an update of ``method`` (None: the lightest process)."""
        return self.process_of(method) + self.added(peak_bytes, workspace_peak_bytes)

    def describe(self) -> str:
        if not self.process:
            return self.describe_added()
        extra = {}
        for method, size in self.process_extra.items():
            extra.setdefault(size.human_readable(separator=" "), []).append(method)
        more = "".join(f", +{size} for {'/'.join(methods)}" for size, methods in extra.items())
        return (f"the process {self.process.human_readable(separator=' ')}{more} "
                f"({self.process_basis}) + {self.describe_added()}")

    def describe_added(self) -> str:
        fixed = f"{self.fixed.human_readable(separator=' ')} + " if self.fixed else ""
        peak = "the tensor peak with convolution workspace" if self.workspace else \
            "the tensor peak"
        env = (" with " + " ".join(f"{k}={v}" for k, v in self.environment.items())
               if self.environment else "")
        return f"{fixed}{self.factor:g} x {peak}{env} ({self.basis})"


RUNTIMES: dict[str, RuntimeMemory] = {
    # What an update adds: measured on 78 fresh processes (6 models, MCU-scale to
    # efficientnet_b0 and mobilenet_v3_large, x 13 configurations: methods, depths,
    # micro-batching, checkpointing; batch 32, 224 px; benchmarks/memory_vs_reality.py,
    # docs/memory.md). Fitted on any five models, the sixth held out goes under its real peak
    # nowhere once the fixed part is 6 MiB above the fit (40 -> 46 MiB; factor 1.06-1.07).
    # The fixed part moves between machines of this kind (an earlier machine needed ~70 MiB
    # where this one needs 40), so it is kept at 72 MiB: 0 of the 78 under, 81% within 25%.
    # The process: an update's at its memory baseline, with the 218 MiB a CPU-only torch takes
    # in place of the 507 MiB of this machine's CUDA build (devices run CPU-only wheels): a
    # full, bias or head update 709 - 507 + 218 MiB; LoRA and DoRA import peft and what it
    # imports (858 MiB, +149), GaLore galore-torch (776 MiB, +67)
    # (benchmarks/process_baseline.py). The images an update holds come on top (a few for the
    # measurement).
    "pytorch-cpu": RuntimeMemory(
        factor=1.07, fixed=ByteSize(72 * 2**20), workspace=True,
        environment={"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"},
        basis="measured: PyTorch 2.14 on x86-64 Linux, glibc",
        process=ByteSize(420 * 2**20),
        process_extra={"lora": ByteSize(149 * 2**20), "dora": ByteSize(149 * 2**20),
                       "galore": ByteSize(67 * 2**20)},
        process_basis="measured: an advisor update process before it trains, with a "
                      "CPU-only torch"),
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
