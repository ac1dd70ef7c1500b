"""The memory promise of an update: checked before any allocation, measured while it runs.

"RAM needed" (devices/runtime.py) was fitted on processes whose glibc allocator returned freed
tensor memory at once (environment variables a person would have to remember); an update sets
the same behaviour itself with ``mallopt`` when it starts. Its own peak resident set above a
baseline is measured as benchmarks/memory_vs_reality.py does: VmRSS, then /proc/self/clear_refs
so that the kernel's peak mark (VmHWM) starts again from there.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from advisor.devices.profile import DeviceProfile
from advisor.devices.runtime import RUNTIMES, RuntimeMemory
from advisor.errors import AdvisorError
from advisor.training.host_memory import available_bytes

# glibc's mallopt parameters for the environment variables the runtime model names
_MALLOPT = {"MALLOC_TRIM_THRESHOLD_": -1, "MALLOC_MMAP_THRESHOLD_": -3}
HOST_RUNTIME = "pytorch-cpu"


def _glibc(function: str):
    """glibc's ``function`` from this process's C library; None where there is none (not
    glibc)."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), function)
    except (OSError, AttributeError):
        return None


def use_fitted_allocator(runtime: RuntimeMemory = RUNTIMES[HOST_RUNTIME]) -> bool:
    """Set the allocator as the runtime model's ``environment`` says, in this process; False
    where the C library is not glibc (nothing set, the figures then hold less well)."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    settings = [(_MALLOPT[key], int(value)) for key, value in runtime.environment.items()
                if key in _MALLOPT]
    return all(mallopt(ctypes.c_int(param), ctypes.c_int(value)) == 1
               for param, value in settings)


def release_free_memory() -> None:
    """Hand the heap's free pages back to the kernel (glibc's ``malloc_trim``), so that what
    the update allocates next raises the resident set instead of reusing memory an earlier
    computation in this process freed (a Python caller's process, a test suite)."""
    malloc_trim = _glibc("malloc_trim")
    if malloc_trim is not None:  # not glibc: nothing to hand back
        malloc_trim(ctypes.c_size_t(0))


def _status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class PeakRss:
    """This process's peak resident set above the moment ``start`` was called (Linux)."""

    def __init__(self) -> None:
        self.baseline: int | None = None

    def start(self) -> None:
        self.baseline = _status("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # the peak-RSS mark restarts from here
        except OSError:
            self.baseline = None

    def above_baseline(self) -> int | None:
        peak = _status("VmHWM")
        if self.baseline is None or peak is None:
            return None
        return max(0, peak - self.baseline)


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def check_host(peak_bytes: int, force: bool) -> None:
    """The exact tensor peak against this machine's free memory (as ``advisor trial`` does)."""
    free = available_bytes()
    if free is not None and peak_bytes > free and not force:
        raise AdvisorError(f"this update needs {mib(peak_bytes)} of tensors at its peak (exact, "
                           f"fake-mode profile); this machine has {mib(free)} free: choose a "
                           "smaller batch, micro-batch or resolution, or --force")


def check_device(device: DeviceProfile, needed: int, peak_bytes: int, force: bool,
                 limit: int | None = None) -> None:
    """RAM needed (runtime model of the device) against what a process can use there."""
    usable = int(limit if limit is not None else device.usable_ram)
    if needed > usable and not force:
        raise AdvisorError(f"this update needs {mib(needed)} of RAM on {device.id} (tensor "
                           f"peak {mib(peak_bytes)}, exact); {device.id} leaves "
                           f"{mib(usable)} to a process: choose a configuration that fits "
                           "(advisor recommend --device), or --force")
