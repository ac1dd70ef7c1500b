"""How long `advisor recommend` takes, as a person sees it: whole processes, min and median.

    python benchmarks/recommend_speed.py [--fresh 1] [--repeats 5] [--devices a,b,...]
                                         [--cache DIR]

Fresh: `advisor recommend --device jetson-nano --model mobilenetv3` with an empty cache
(ADVISOR_CACHE_DIR a new folder: what a fresh machine has after the install), ``--fresh``
times. Warm: the same command for every shipped device (or ``--devices``), ``--repeats``
times each, on the cache the last fresh run left (or ``--cache DIR``, with ``--fresh 0``).
A device at a resolution the cache has not costed yet pays for that once: its min is then
the warm figure and its first run is printed apart. Targets (issue 12): fresh under 60 s, warm
under 1 s for any device.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _recommend(device: str, cache: str) -> float:
    env = {**os.environ, "ADVISOR_CACHE_DIR": cache, "ADVISOR_NO_PROGRESS": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--device", device,
                           "--model", "mobilenetv3", "--json"], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: nothing fits this device, still an answer
        raise SystemExit(f"recommend --device {device} failed: {done.stderr.strip()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--devices")
    parser.add_argument("--cache", help="a warm cache to time against (with --fresh 0)")
    args = parser.parse_args()

    from advisor.devices.profile import list_devices

    devices = (args.devices.split(",") if args.devices
               else [d.id for d in list_devices()])
    with tempfile.TemporaryDirectory() as folder:
        fresh: list[float] = []
        cache = args.cache
        for i in range(args.fresh):
            cache = f"{folder}/cache{i}"
            os.mkdir(cache)
            fresh.append(_recommend("jetson-nano", cache))
            print(f"fresh run {i + 1}: {fresh[-1]:.1f} s", flush=True)
        if fresh:
            print(f"\nfresh (empty cache), {len(fresh)} run(s): min {min(fresh):.1f} s, "
                  f"median {statistics.median(fresh):.1f} s; target < 60 s: "
                  f"{'met' if min(fresh) < 60 else f'missed by {min(fresh) - 60:.0f} s'}")
        if cache is None:
            raise SystemExit("no cache to time warm calls against: --fresh 1 or --cache DIR")
        print(f"\nwarm, {args.repeats} runs each:")
        print(f"{'device':<22} {'first':>8} {'min':>7} {'median':>7}")
        medians = []
        for device in devices:
            first = _recommend(device, cache)  # may cost a new resolution once
            times = [_recommend(device, cache) for _ in range(args.repeats)]
            medians.append(statistics.median(times))
            print(f"{device:<22} {first:>7.2f}s {min(times):>6.2f}s {medians[-1]:>6.2f}s",
                  flush=True)
        worst = max(medians)
        print(f"worst median {worst:.2f} s; target < 1 s: "
              f"{'met' if worst < 1 else f'missed by {worst - 1:.2f} s'}")


if __name__ == "__main__":
    main()
