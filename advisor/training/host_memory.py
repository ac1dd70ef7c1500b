"""Will a real allocation fit on this machine? Asked before a real step, not after it fails.

The exact fake-mode cost of a step is known in seconds; a real step whose tensors need more
than the machine has free would run until the allocator fails (or the kernel kills it).
"""

from __future__ import annotations

import os

from advisor import defaults
from advisor.config import Config
from advisor.errors import AdvisorError


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux); None where the kernel does not say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def check_fits_here(peak_bytes: int, what: str) -> None:
    """Refuse, with the figure, a real run whose exact tensor peak exceeds free memory."""
    free = available_bytes()
    if free is not None and peak_bytes > free:
        raise AdvisorError(f"{what} needs {peak_bytes / 2**30:.1f} GiB of tensors at its peak "
                           f"(exact, fake-mode profile); this machine has "
                           f"{free / 2**30:.1f} GiB free: use a smaller batch or resolution")


def check_real_step(model: str, config: Config, batch_size: int, resolution: int, what: str,
                    num_classes: int = defaults.NUM_CLASSES) -> None:
    """Before real tensors are allocated: the exact fake-mode peak (cached) vs free memory."""
    from advisor.cost import profile_config

    fake = profile_config(model, config.cost_config(), batch_size, resolution, num_classes)
    check_fits_here(fake.memory.peak_bytes, what)
