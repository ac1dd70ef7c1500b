"""How many threads torch may use: not more than the cores free when the process starts.

torch takes one thread per core by default. Two such processes on a 2-core machine fight over
the cores and each step slows many-fold (a pretraining measured 5 minutes alone took 36 with one
busy neighbour). So a command that trains takes the cores free at its start: the cores it may
run on (its CPU affinity), less those other processes keep busy (/proc/stat over a fifth of a
second), less the threads other advisor processes have announced in a registry beside the cache
(two commands started at once would otherwise both see idle cores). ``ADVISOR_THREADS`` or
``OMP_NUM_THREADS``, when set, decide instead.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from pathlib import Path

SAMPLE_SECONDS = 0.2


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_cores(seconds: float = SAMPLE_SECONDS) -> float:
    """Cores other processes keep busy now (this one is asleep while it measures)."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    if before is None or after is None or after[1] <= before[1]:
        return 0.0
    return (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _registry() -> Path:
    from advisor.paths import cache_dir

    return cache_dir() / "threads.json"


def _announce(path: Path, cores: int, busy: int) -> int:
    """Under a lock: the cores neither other processes (``busy``) nor other live advisor
    processes (their announced threads) hold, at least one; announced as ours."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=10):
        try:
            known = {int(k): int(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            known = {}
        known = {pid: n for pid, n in known.items() if pid != os.getpid() and _alive(pid)}
        mine = max(1, cores - max(busy, sum(known.values())))
        known[os.getpid()] = mine
        path.write_text(json.dumps(known))
    atexit.register(_withdraw, path)
    return mine


def _withdraw(path: Path) -> None:
    from filelock import FileLock

    try:
        with FileLock(str(path) + ".lock", timeout=2):
            known = json.loads(path.read_text())
            known.pop(str(os.getpid()), None)
            path.write_text(json.dumps(known))
    except Exception:  # leaving: a stale entry is pruned by the next process
        pass


_chosen: list[int] = []


def choose() -> int:
    """The threads this process's torch gets (set for torch and for its child processes);
    decided once per process."""
    if _chosen:
        return _chosen[0]
    given = os.environ.get("ADVISOR_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if given and given.isdigit() and int(given) > 0:
        threads = int(given)
    else:
        cores, busy = _cores(), round(busy_cores())
        try:
            threads = _announce(_registry(), cores, busy)
        except Exception:  # a read-only cache or a lock held too long: measure alone
            threads = max(1, cores - busy)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    _chosen.append(threads)
    return threads
