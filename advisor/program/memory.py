"""The RAM a process training a program needs, from the program's own memory plan.

Unlike eager PyTorch (devices/runtime.py scales the live-tensor peak), an ExecuTorch program
says what it needs: its planned arena, its weights, and the optimizer's state. The Python
bindings add one copy of the gradients (TrainingModule clones them) and the runtime's own
state; the fixed part was measured by benchmarks/executorch_memory.py.
"""

from __future__ import annotations

from advisor.program.manifest import ProgramMemory

# The runtime's own memory, which the plan does not hold: the kernels' code paged in at the
# first step (most of it; resident file pages) and its thread pool. Measured 4.6-9.9 MiB
# above the rest of the rule over 24 programs of two models (benchmarks/executorch_memory.py,
# executorch 1.5.1, x86-64 Linux); bounded at the largest.
RUNTIME_FIXED = 10 * 2**20


def predict(arena: int, program: int, trainable_file: int, trainable: int,
            passes: int) -> ProgramMemory:
    """``trainable``: bytes of the trainable tensors (a gradient or momentum copy is as big).
    The bindings copy each pass's gradients; with several passes the step's sum is one copy
    more (bindings.ProgramRunner)."""
    copies = 2 + (passes > 1)
    # The .ptd stores equal tensors once (zero-initialised biases, say); loaded, each has its
    # own memory, so the loaded weights are the larger of the two.
    loaded = max(trainable_file, trainable)
    needed = arena + program + loaded + copies * trainable + RUNTIME_FIXED
    gradients = "the gradients copied by the bindings" + (
        " and their sum over the passes" if passes > 1 else "")
    rule = (f"planned arena + program.pte + the trainable tensors loaded from program.ptd + "
            f"{copies} x the trainable tensors "
            f"({gradients}, SGD momentum)"
            + f" + {RUNTIME_FIXED / 2**20:g} MiB of runtime (measured bound)")
    return ProgramMemory(arena_bytes=arena, program_bytes=program,
                         trainable_bytes=trainable_file, optimizer_state_bytes=trainable,
                         ram_needed_bytes=needed, ram_needed_rule=rule)
