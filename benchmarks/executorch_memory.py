"""Does an ExecuTorch program's RAM need hold in a real process? Its planned arena and the
predicted need vs advisor's eager peak vs the peak RSS of a process training the program.

    python benchmarks/executorch_memory.py [--models mobilenet_v3_small,mobilenet_v2_035]
                                           [--scale 16x96] [--work DIR]

Per configuration (methods x depths x micro-batching, per model): ``advisor.program`` exports
the training program (random-initialised weights: memory does not depend on their values),
then a fresh subprocess imports torch and ExecuTorch's bindings, reads its resident set (the
baseline), resets the kernel's peak-RSS mark (/proc/self/clear_refs), loads the program and
runs three SGD steps through the bindings (micro-batches accumulated as the manifest says):
real = peak RSS - baseline. Results are kept in --work and reused (delete results.json to
measure again).

Printed per configuration: the planned arena (read back from the program), advisor's
predicted RAM need for the program (program/memory.py), advisor's exact eager tensor peak for
the same configuration and scale (cost/) and its eager RAM need on a PyTorch-on-CPU device,
the real peak, and real / predicted; then the fixed part the rule misses (the smallest
runtime overhead that no configuration exceeds) and how many configurations are within 15%.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from memory_vs_reality import _status  # benchmarks/: the same reading of /proc

CONFIGS = [dict(method="head"), dict(method="bias"), dict(method="bias", depth="half"),
           dict(method="lora", rank=4, targets="no-depthwise"),
           dict(method="lora", rank=8, depth="quarter"),
           dict(method="lora", rank=8, micro_batch=4), dict(method="lora", rank=16),
           dict(method="dora", rank=4), dict(method="dora", rank=4, depth="quarter"),
           dict(method="full"), dict(method="full", depth="quarter"),
           dict(method="full", micro_batch=4)]
MIB = 2**20


def child(out: str) -> None:
    """In a fresh process: print {"real": bytes, "baseline": bytes} for three steps."""
    import executorch.extension.training  # noqa: F401  (imports before the baseline)
    import torch

    from advisor.program.bindings import ProgramRunner

    torch.set_num_threads(1)
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    shape, passes = manifest["input_shape"], manifest["passes_per_step"]
    batches = [(torch.randn(shape), torch.randint(0, manifest["classes"], (shape[0],)))
               for _ in range(passes)]
    baseline = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak-RSS mark restarts from here
    runner = ProgramRunner(Path(out) / "program.pte", Path(out) / "program.ptd", 1e-3)
    started = time.perf_counter()
    for _ in range(3):
        runner.step(batches)
    print(json.dumps({"real": _status("VmHWM") - baseline, "baseline": baseline,
                      "step_seconds": (time.perf_counter() - started) / 3}))


def measure(out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(out)], capture_output=True,
                          text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def _weights(work: Path, model: str) -> Path:
    import torch

    from advisor.zoo import build_model, resolve_model

    path = work / f"{model}-random.pt"
    if not path.is_file():
        torch.manual_seed(0)
        torch.save(build_model(resolve_model(model), 10).state_dict(), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="mobilenet_v3_small,mobilenet_v2_035")
    parser.add_argument("--scale", default="16x96", help="batch x px")
    parser.add_argument("--work", default="executorch-memory")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from advisor.config import Config
    from advisor.cost import profile_config
    from advisor.devices.runtime import RUNTIMES
    from advisor.program.job import program
    from advisor.quiet import quiet_third_party
    from advisor.zoo import resolve_model

    quiet_third_party()
    batch, resolution = (int(v) for v in args.scale.split("x"))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results_path = work / "results.json"
    done = json.loads(results_path.read_text()) if results_path.is_file() else {}
    eager_runtime = RUNTIMES["pytorch-cpu"]
    rows = []
    for model in args.models.split(","):
        spec = resolve_model(model)
        for fields in CONFIGS:
            config = Config(**{**fields, "depth": spec.depth(fields.get("depth"))})
            key = f"{spec.name}|{config.key()}|{batch}x{resolution}"
            if key not in done:
                out = work / hashlib.sha256(key.encode()).hexdigest()[:12]
                began = time.perf_counter()
                manifest = program(spec.name, out, weights=str(_weights(work, spec.name)),
                                   config={**config.model_dump(), "batch_size": batch,
                                           "resolution": resolution}, classes=10, force=True)
                exported = time.perf_counter() - began
                done[key] = {"manifest": manifest.memory.model_dump(), "label": config.label,
                             "passes": manifest.passes_per_step, "out": str(out),
                             "export_seconds": exported, **measure(out)}
                results_path.write_text(json.dumps(done, indent=1))
            print(f"  measured {key}", file=sys.stderr, flush=True)
            cost = profile_config(spec.name, config, batch, resolution)
            rows.append((spec.name, done[key], cost))
    _report(rows, batch, resolution, eager_runtime)


def _predicted(r: dict) -> int:
    """RAM needed by today's rule (program/memory.py) from the program's stored figures."""
    from advisor.program.memory import predict

    m = r["manifest"]
    return predict(m["arena_bytes"], m["program_bytes"], m["trainable_bytes"],
                   m["optimizer_state_bytes"], r["passes"]).ram_needed_bytes


def _report(rows, batch: int, resolution: int, eager_runtime) -> None:
    from advisor.program.memory import RUNTIME_FIXED

    print(f"batch {batch}, {resolution} px; one thread; three SGD steps through the bindings; "
          f"predicted = {_rule()}\n")
    print("| model | configuration | arena MiB | predicted MiB | eager peak MiB | eager RAM "
          "needed MiB | real MiB | real / predicted | step s |")
    print("|---|---|---|---|---|---|---|---|---|")
    ratios, gaps = [], []
    for model, r, cost in rows:
        predicted = _predicted(r)
        eager = eager_runtime.added(cost.memory.peak_bytes, cost.memory.workspace_peak_bytes)
        ratios.append(r["real"] / predicted)
        gaps.append(r["real"] - (predicted - RUNTIME_FIXED))
        print(f"| {model} | {r['label']} | {r['manifest']['arena_bytes'] / MIB:.1f} "
              f"| {predicted / MIB:.1f} | {cost.memory.peak_bytes / MIB:.1f} "
              f"| {eager / MIB:.1f} | {r['real'] / MIB:.1f} "
              f"| {ratios[-1]:.2f} | {r['step_seconds']:.2f} |")
    within = sum(0.85 <= x <= 1.15 for x in ratios)
    print(f"\n{len(rows)} configurations: real above the prediction in "
          f"{sum(x > 1 for x in ratios)} (worst {max(ratios):.2f}x); within 15% in {within} "
          f"({within / len(rows):.0%}); lowest real / predicted {min(ratios):.2f}. "
          f"What the rule's fixed part stands for, real minus the rest of the rule: "
          f"{min(gaps) / MIB:.1f}-{max(gaps) / MIB:.1f} MiB (the fixed part is "
          f"{RUNTIME_FIXED / MIB:.1f} MiB).")


def _rule() -> str:
    from advisor.program.memory import predict

    return predict(0, 0, 0, 0, 1).ram_needed_rule + "; micro-batched: " + \
        predict(0, 0, 0, 0, 2).ram_needed_rule.split("(")[1].split(")")[0]


if __name__ == "__main__":
    main()
