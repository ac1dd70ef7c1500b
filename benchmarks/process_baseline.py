"""What a training process holds before it trains: the interpreter and the code it imported.

    python benchmarks/process_baseline.py [--repeats 3] [--cpu-python PATH] [--work DIR]

"RAM needed" (devices/runtime.py) counts what an update adds to its process; the process
itself comes first, and for PyTorch it is hundreds of MiB. Measured here, each in a fresh
process with the runtime model's allocator setting, ``--repeats`` times:
- import sets: nothing, torch, torch + numpy, torch + torchvision, + peft: VmRSS, and its
  anonymous and file-backed parts (/proc/self/status);
- a real `advisor update` (mobilenet_v3_small, 32 px, one epoch on a few Fashion-MNIST images)
  per method family: its manifest's ``process_baseline_bytes``, read where the update starts
  measuring (everything it needs imported, no model built yet);
- with ``--cpu-python`` (an interpreter whose torch is a CPU-only build, as on a Raspberry Pi),
  the import sets that import there.

Printed: the tables, and the figure the PyTorch-on-CPU runtime counts: the update's baseline
under this machine's torch, less what torch alone takes here, plus what torch alone takes in
the CPU-only build (where given). A line per measurement on stderr, the report on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from update_check import starting_weights, write_images

MIB = 2**20
IMPORTS = {"python": "", "torch": "import torch", "torch + numpy": "import torch, numpy",
           "torch + torchvision": "import torch, torchvision",
           "torch + torchvision + peft": "import torch, torchvision, peft"}
METHODS = {"full / bias / head": "full", "LoRA / DoRA (peft)": "lora", "GaLore": "galore"}
MODEL, RESOLUTION = "mobilenet_v3_small", 32
READ = """
def _read(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
import json
print(json.dumps({f: _read(f) for f in ('VmRSS', 'RssAnon', 'RssFile')}))
"""


def _env() -> dict[str, str]:
    import os

    from advisor.devices.runtime import RUNTIMES

    return {**os.environ, **RUNTIMES["pytorch-cpu"].environment, "ADVISOR_NO_PROGRESS": "1"}


def imported(python: str, code: str) -> dict | None:
    """VmRSS and its parts after ``code`` in a fresh ``python``; None where it fails there."""
    done = subprocess.run([python, "-W", "ignore", "-c", code + "\n" + READ],
                          capture_output=True, text=True, env=_env())
    if done.returncode != 0:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def updated(work: Path, images: Path, weights: Path, method: str, run: int) -> int:
    """The process baseline a real `advisor update` reports in its manifest."""
    out = work / "runs" / f"{method}-{run}"
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "update", "--json", "--model", MODEL,
         "--weights", str(weights), "--images", str(images), "--out", str(out),
         "--method", method, "--epochs", "1", "--resolution", str(RESOLUTION),
         "--batch-size", "8", "--task", "unseen"],
        capture_output=True, text=True, env=_env())
    if done.returncode != 0:
        raise SystemExit(f"advisor update --method {method} failed: "
                         f"{done.stderr.strip().splitlines()[-1]}")
    manifest = json.loads(done.stdout[done.stdout.index("{"):])
    return manifest["memory"]["process_baseline_bytes"]


def _row(name: str, runs: list[dict]) -> str:
    med = {k: statistics.median(r[k] for r in runs) / MIB for k in runs[0]}
    spread = (max(r["VmRSS"] for r in runs) - min(r["VmRSS"] for r in runs)) / MIB
    return (f"| {name} | {med['VmRSS']:.0f} | {med['RssAnon']:.0f} | {med['RssFile']:.0f} "
            f"| {spread:.0f} | {len(runs)} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpu-python", help="an interpreter with a CPU-only torch build")
    parser.add_argument("--work", type=Path, help="images, weights and runs (default: a "
                                                  "temporary folder)")
    a = parser.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="process-baseline-"))
    work.mkdir(parents=True, exist_ok=True)
    import torch

    here = f"torch {torch.__version__} ({'CUDA' if torch.version.cuda else 'CPU-only'} build)"
    pythons = {here: sys.executable}
    if a.cpu_python:
        version = subprocess.run([a.cpu_python, "-c", "import torch; print(torch.__version__)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        pythons[f"torch {version} (CPU-only build)"] = a.cpu_python
    found: dict[tuple[str, str], list[dict]] = {}
    for label, python in pythons.items():
        for name, code in IMPORTS.items():
            runs = [imported(python, code) for _ in range(a.repeats)]
            if all(runs):
                found[label, name] = runs
            print(f"  {label}: {name}: {'measured' if all(runs) else 'does not import'}",
                  file=sys.stderr, flush=True)
    images, weights = write_images(work, 16, 8), starting_weights(work, MODEL, RESOLUTION)
    updates: dict[str, list[int]] = {}
    for name, method in METHODS.items():
        updates[name] = [updated(work, images, weights, method, run) for run in range(a.repeats)]
        print(f"  advisor update --method {method}: measured", file=sys.stderr, flush=True)

    print("| process | VmRSS MiB | anonymous MiB | file-backed MiB | spread MiB | runs |")
    print("|---|---|---|---|---|---|")
    for (label, name), runs in found.items():
        print(_row(f"{name}, {label}", runs))
    print("\n| `advisor update` process, at its memory baseline | MiB (median) | spread MiB |")
    print("|---|---|---|")
    for name, values in updates.items():
        print(f"| {name}, {here} | {statistics.median(values) / MIB:.0f} "
              f"| {(max(values) - min(values)) / MIB:.0f} |")
    worst = max(max(v) for v in updates.values())
    torch_here = max(r["VmRSS"] for r in found[here, "torch"])
    print(f"\nthe heaviest update process here: {worst / MIB:.0f} MiB, of which torch alone "
          f"{torch_here / MIB:.0f} MiB")
    cpu = [k for k in found if k[0] != here and k[1] == "torch"]
    if cpu:
        torch_cpu = max(r["VmRSS"] for r in found[cpu[0]])
        print(f"with {cpu[0][0]} in place of this build's torch: "
              f"{(worst - torch_here + torch_cpu) / MIB:.0f} MiB (torch alone "
              f"{torch_cpu / MIB:.0f} MiB there)")


if __name__ == "__main__":
    main()
