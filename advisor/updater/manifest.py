"""OUT/manifest.json: what was updated, on which data, how well, within which memory, and
the command that does it again."""

from __future__ import annotations

import platform
import shlex
from importlib import metadata
from typing import Any

from pydantic import BaseModel, Field

from advisor.updater.evaluation import Evaluation
from advisor.userfiles import MARK


class MemoryReport(BaseModel):
    measured_peak_rss_bytes: int | None = Field(
        description="Peak resident set of the update above the process's baseline (weights "
                    "included), as benchmarks/memory_vs_reality.py measures it; None where "
                    "the kernel does not say (not Linux).")
    process_baseline_bytes: int | None = Field(
        None, description="The process's resident set when the update began measuring "
                          "(interpreter, imported libraries, the images it holds): the "
                          "baseline of measured_peak_rss_bytes; None where the kernel does "
                          "not say.")
    ram_needed_bytes: int = Field(description="Predicted for this machine: what the runtime "
                                              "model adds to the process's baseline for the "
                                              "exact tensor peak.")
    ram_needed_rule: str
    tensor_peak_bytes: int
    within_prediction: bool | None
    allocator_set: bool = Field(description="glibc's allocator set as the runtime model was "
                                            "fitted under (mallopt at start-up).")
    device: str | None = None
    device_ram_needed_bytes: int | None = Field(
        None, description="RAM needed on the device, the process's measured baseline included "
                          "where its runtime counts one (devices/runtime.py).")


class StorageReport(BaseModel):
    update_bytes: int = Field(description="Size of update.safetensors.")
    predicted_bytes: int = Field(description="The cost model's storage_bytes.")


class Manifest(BaseModel):
    written_by: str = f"{MARK} (advisor update)"
    model: str
    task: str = Field(description="shift: the head kept; unseen: a new head.")
    configuration: dict[str, Any]
    label: str
    chosen_by: str
    classes: list[str]
    weights: dict[str, str]
    data: dict[str, Any] = Field(description="root, layout, counts per split and class, and "
                                             "the sha256 of every file's split, class, path "
                                             "and content.")
    accuracy_before: Evaluation
    accuracy_after: Evaluation
    memory: MemoryReport
    storage: StorageReport
    epochs: int
    steps: int
    train_seconds: float
    wall_seconds: float
    files: list[str]
    peft: str | None = Field(None, description="What peft's PeftModel.from_pretrained loads.")
    versions: dict[str, str]
    command: str
    warnings: list[str] = Field(default_factory=list)


def versions(*more: str) -> dict[str, str]:
    import advisor

    found = {"advisor": advisor.__version__, "python": platform.python_version()}
    for package in ("torch", "torchvision", "peft", "galore-torch", "safetensors", *more):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def command(model: str, weights: str, images: str, out: str, task: str,
            run_fields: dict[str, Any], val_fraction: float | None) -> str:
    """The update as flags alone (a recipe's or a recommendation's configuration spelled
    out), floats written exactly."""
    argv = ["advisor", "update", "--model", model, "--weights", weights, "--images", images,
            "--out", out, "--task", task]
    for name, value in run_fields.items():
        if value is None or value is False:
            continue
        argv.append("--" + name.replace("_", "-"))
        if value is not True:
            argv.append(repr(value) if isinstance(value, float) else str(value))
    if val_fraction is not None:
        argv += ["--val-fraction", repr(val_fraction)]
    return shlex.join(argv)
