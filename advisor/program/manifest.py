"""OUT/manifest.json of ``advisor program``: what the program trains, how, within which
planned memory, and how to run it (Python bindings, C++ runner)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from advisor.userfiles import MARK

PROGRAM, TRAINABLE, MANIFEST = "program.pte", "program.ptd", "manifest.json"


class ProgramMemory(BaseModel):
    arena_bytes: int = Field(description="The program's planned memory (activations, "
                                         "gradients, temporaries), read back from the .pte.")
    program_bytes: int = Field(description="program.pte: the graph and the frozen weights.")
    trainable_bytes: int = Field(description="program.ptd: the tensors the program updates.")
    optimizer_state_bytes: int = Field(description="SGD's momentum, one copy of the "
                                                   "trainable tensors.")
    ram_needed_bytes: int = Field(description="Predicted RAM of a process training the "
                                              "program through the Python bindings, above "
                                              "its imports (rule).")
    ram_needed_rule: str


class ProgramManifest(BaseModel):
    written_by: str = f"{MARK} (advisor program)"
    runtime: str
    model: str
    configuration: dict[str, Any]
    label: str
    classes: int
    new_head: bool = Field(description="A new head of `classes` outputs (seeded), or the "
                                       "weights' own.")
    weights: dict[str, str] = Field(description="source and sha256 (or name) of the weights "
                                                "the program starts from.")
    seed: int
    batch_size: int
    input_shape: list[int] = Field(description="One pass's images (N, 3, H, W); labels (N,).")
    passes_per_step: int = Field(description="Forward-backward passes whose mean gradient "
                                             "makes one optimizer step (micro-batching).")
    optimizer: dict[str, Any]
    differences: list[str] = Field(description="What the program does that advisor's "
                                               "PyTorch update of this configuration does not.")
    memory: ProgramMemory
    operators: list[str] = Field(description="The kernels a runtime must link to run it.")
    trainable_tensors: int
    export_seconds: float
    files: list[str]
    python: str = Field(description="How to train it through ExecuTorch's Python bindings.")
    cpp: str = Field(description="What a C++ runner needs.")
    versions: dict[str, str]
