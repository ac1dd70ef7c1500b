"""The heap behaviour "RAM needed" was fitted under, set by advisor's own training processes.

devices/runtime.py's PyTorch-on-CPU model was fitted on processes whose glibc allocator gives
freed tensor memory back at once (environment variables a person would have to remember);
with glibc's default, a process keeps up to ~2x more. ``advisor update``, ``trial`` and
``search`` set it themselves when they start (``--fast-allocator`` keeps the default: faster
steps, docs/memory.md). It is set twice: with ``mallopt`` in this process, whose C library
read its environment already, and in ``os.environ``, so that the worker processes a search
spawns start with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from advisor.devices.runtime import RUNTIMES, RuntimeMemory

HOST_RUNTIME = "pytorch-cpu"  # what runs advisor's own training processes
# glibc's mallopt parameters for the environment variables the runtime model names
_MALLOPT = {"MALLOC_TRIM_THRESHOLD_": -1, "MALLOC_MMAP_THRESHOLD_": -3}


def _glibc(function: str):
    """glibc's ``function`` from this process's C library; None where there is none (not
    glibc)."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), function)
    except (OSError, AttributeError):
        return None


def use_fitted(runtime: RuntimeMemory = RUNTIMES[HOST_RUNTIME]) -> bool:
    """Set the allocator as the runtime model's ``environment`` says, in this process and for
    the processes it starts; False where the C library is not glibc (nothing set here, the
    figures then hold less well)."""
    os.environ.update(runtime.environment)
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    settings = [(_MALLOPT[key], int(value)) for key, value in runtime.environment.items()
                if key in _MALLOPT]
    return all(mallopt(ctypes.c_int(param), ctypes.c_int(value)) == 1
               for param, value in settings)


def release_free_memory() -> None:
    """Hand the heap's free pages back to the kernel (glibc's ``malloc_trim``), so that what
    an update allocates next raises the resident set instead of reusing memory an earlier
    computation in this process freed (a Python caller's process, a test suite)."""
    malloc_trim = _glibc("malloc_trim")
    if malloc_trim is not None:  # not glibc: nothing to hand back
        malloc_trim(ctypes.c_size_t(0))
