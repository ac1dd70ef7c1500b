"""Two training commands started side by side: how much slower than one alone?

    python benchmarks/side_by_side.py [--repeats 3] [--default-threads]

Runs `advisor trial --method full --epochs 4 --dataset fashion-mnist` (the source model cached
first) alone, then two at once, each a fresh process with neither ADVISOR_THREADS nor
OMP_NUM_THREADS set, so advisor/threads.py chooses: the first takes the free cores, the
second what the first left (at least one). Prints the wall time of one alone and of the slower
of the pair, medians over --repeats, and their ratio. Target (issue 31): at most 2.2 on this
2-core machine kind; torch's default (every process takes every core) is run too with
--default-threads, for comparison. Needs an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TRIAL = ["trial", "--method", "full", "--epochs", "4", "--dataset", "fashion-mnist", "--json"]


def _env(default_threads: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "ADVISOR_THREADS")}
    env["ADVISOR_NO_PROGRESS"] = "1"
    if default_threads:
        env["ADVISOR_THREADS"] = str(os.cpu_count() or 1)  # what torch takes by default
    return env


def run(n: int, default_threads: bool) -> float:
    """Wall seconds until the slowest of ``n`` trials started together has finished."""
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "advisor", *TRIAL], env=_env(default_threads),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(n)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"advisor trial failed: {err.strip().splitlines()[-1:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--default-threads", action="store_true",
                        help="also time torch's default, every process on every core")
    a = parser.parse_args()
    run(1, False)  # pretraining and data caches, once
    kinds = [False, True] if a.default_threads else [False]
    for default in kinds:
        alone = [run(1, default) for _ in range(a.repeats)]
        pair = [run(2, default) for _ in range(a.repeats)]
        ratio = statistics.median(pair) / statistics.median(alone)
        what = "torch's default threads" if default else "threads chosen by advisor"
        print(f"{what}: one alone {statistics.median(alone):.1f} s (min {min(alone):.1f}), "
              f"two side by side {statistics.median(pair):.1f} s (min {min(pair):.1f}): "
              f"{ratio:.2f}x; target <= 2.2x: {'met' if ratio <= 2.2 else 'missed'}",
              flush=True)


if __name__ == "__main__":
    main()
