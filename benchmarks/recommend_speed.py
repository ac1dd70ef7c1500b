"""How long `advisor recommend` takes, as a person sees it: whole processes, min and median.

    python benchmarks/recommend_speed.py [--fresh 1] [--repeats 5] [--devices a,b,...]
                                         [--cache DIR] [--constrained [--models a,b]]
                                         [--new-resolution PX]

Fresh: `advisor recommend --device jetson-nano --model mobilenetv3` with an empty cache
(ADVISOR_CACHE_DIR a new folder: what a fresh machine has after the install), ``--fresh``
times. Warm: the same command for every shipped device (or ``--devices``), ``--repeats``
times each, on the cache the last fresh run left (or ``--cache DIR``, with ``--fresh 0``).
A device at a resolution the cache has not costed yet pays for that once: its min is then
the warm figure and its first run is printed apart. Targets (issue 12): fresh under 60 s, warm
under 1 s for any device.

--constrained (issue 31): for every device and shipped model, the questions a user adds limits
to: --max-memory at 25%, 50% and 75% of the unconstrained choice's RAM, --max-update-time 60
and an impossible --max-memory 1KiB; each timed fresh (its first run on an empty cache: what
ships) and warm (--repeats more), min and median. Target: every one under 1 s, fresh and warm.

--new-resolution PX (issue 31): the default question at a resolution nothing has costed, on an
empty cache, off a terminal (its lines per stage printed): the whole process, once. Target:
under 3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _recommend(device: str, cache: str, model: str = "mobilenetv3",
               limits: tuple[str, ...] = ()) -> float:
    return _timed(device, cache, model, limits)[0]


def _timed(device: str, cache: str, model: str, limits: tuple[str, ...]) -> tuple[float, dict]:
    env = {**os.environ, "ADVISOR_CACHE_DIR": cache, "ADVISOR_NO_PROGRESS": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--device", device,
                           "--model", model, *limits, "--json"], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: nothing fits this device, still an answer
        raise SystemExit(f"recommend --device {device} {' '.join(limits)} failed: "
                         f"{done.stderr.strip()}")
    return seconds, json.loads(done.stdout)


def new_resolution(px: int) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_NO_PROGRESS",)}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--device",
                               "jetson-nano", "--model", "mobilenetv3", "--resolution", str(px),
                               "--json"], env=env | {"ADVISOR_CACHE_DIR": cache},
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"recommend --resolution {px} failed: {done.stderr.strip()}")
    print(done.stderr.strip())
    chosen = json.loads(done.stdout)["recommendation"]
    print(f"\n{px} px on an empty cache: {seconds:.0f} s (chosen: "
          f"{chosen['method'] if chosen else None}); target < 180 s: "
          f"{'met' if seconds < 180 else f'missed by {seconds - 180:.0f} s'}")


def constrained(devices: list[str], models: list[str], repeats: int, folder: str) -> None:
    """Every constrained question, fresh and warm (see the module's docstring)."""
    from advisor.decision.shipped import IMPOSSIBLE, MEMORY_SHARES, UPDATE_TIME

    print(f"{'device':<20} {'model':<24} {'question':<26} {'fresh':>6} {'min':>6} {'median':>6}")
    worst = 0.0
    for device in devices:
        for model in models:
            cache = tempfile.mkdtemp(dir=folder)
            _, plain = _timed(device, cache, model, ())
            chosen = plain.get("recommendation")
            questions = [("--max-update-time", f"{UPDATE_TIME:g}"),
                         ("--max-memory", f"{IMPOSSIBLE}B")]
            if chosen:  # as shipped.constrained_questions asks them
                questions += [("--max-memory", f"{int(chosen['required_ram_bytes'] * share)}B")
                              for share in MEMORY_SHARES]
            for limits in questions:
                fresh = _recommend(device, tempfile.mkdtemp(dir=folder), model, limits)
                warm = [_recommend(device, cache, model, limits) for _ in range(repeats)]
                worst = max(worst, fresh, statistics.median(warm))
                print(f"{device:<20} {model:<24} {' '.join(limits):<26} {fresh:>5.2f}s "
                      f"{min(warm):>5.2f}s {statistics.median(warm):>5.2f}s", flush=True)
    print(f"worst (fresh, or a median warm): {worst:.2f} s; target < 1 s: "
          f"{'met' if worst < 1 else f'missed by {worst - 1:.2f} s'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--devices")
    parser.add_argument("--cache", help="a warm cache to time against (with --fresh 0)")
    parser.add_argument("--constrained", action="store_true",
                        help="time the constrained questions instead (see above)")
    parser.add_argument("--models", help="with --constrained: models (default: shipped)")
    parser.add_argument("--new-resolution", type=int, metavar="PX",
                        help="time the default question at this resolution on an empty cache")
    args = parser.parse_args()
    if args.new_resolution is not None:
        new_resolution(args.new_resolution)
        return

    from advisor.devices.profile import list_devices

    devices = (args.devices.split(",") if args.devices
               else [d.id for d in list_devices()])
    if args.constrained:
        from advisor.decision.shipped import shipped_pairs

        models = (args.models.split(",") if args.models
                  else sorted({model for model, _ in shipped_pairs()}))
        with tempfile.TemporaryDirectory() as folder:
            constrained(devices, models, args.repeats, folder)
        return
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
