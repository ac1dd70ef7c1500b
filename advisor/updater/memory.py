"""The memory promise of an update: checked before any allocation, measured while it runs.

An update sets the heap behaviour "RAM needed" was fitted under when it starts
(allocator.py). Its own peak resident set above a baseline is measured as
benchmarks/memory_vs_reality.py does: VmRSS, then /proc/self/clear_refs so that the kernel's
peak mark (VmHWM) starts again from there.
"""

from __future__ import annotations

from advisor.devices.profile import DeviceProfile
from advisor.errors import AdvisorError
from advisor.training.host_memory import available_bytes


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
