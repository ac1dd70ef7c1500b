"""The RAM a process training a program needs, from the program's own memory plan.

Unlike eager PyTorch (devices/runtime.py scales the live-tensor peak), an ExecuTorch program
says what it needs: its planned arena, its weights, and the optimizer's state. The Python
bindings add one copy of the gradients (TrainingModule clones them) and the runtime's own
state; the fixed part was measured by benchmarks/executorch_memory.py.
"""

from __future__ import annotations

from advisor.program.manifest import ProgramMemory

RUNTIME_FIXED = 0  # bytes; set from benchmarks/executorch_memory.py


def predict(arena: int, program: int, trainable_file: int, trainable: int) -> ProgramMemory:
    """``trainable``: bytes of the trainable tensors (gradients and momentum are as big)."""
    needed = arena + program + trainable_file + 2 * trainable + RUNTIME_FIXED
    rule = ("planned arena + program.pte + program.ptd + 2 x the trainable tensors "
            "(gradients copied by the bindings, SGD momentum)"
            + (f" + {RUNTIME_FIXED} bytes of runtime" if RUNTIME_FIXED else ""))
    return ProgramMemory(arena_bytes=arena, program_bytes=program,
                         trainable_bytes=trainable_file, optimizer_state_bytes=trainable,
                         ram_needed_bytes=needed, ram_needed_rule=rule)
