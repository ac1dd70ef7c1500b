"""Which of torchvision's classification models can advisor update, and is the fake-mode cost
of those it can exact?

    python benchmarks/any_cnn.py [--resolution 32] [--real mnasnet0_5,shufflenet_v2_x0_5,...]
        [--json FILE]

For every builder of torchvision.models.list_models(module=torchvision.models): its spec by
advisor's rules (family, blocks, head) and an exact fake-mode profile of one training step of
LoRA r4 (no-depthwise targets) at depth "half", batch 4, 10 classes, at --resolution (or the
model's own minimum, Inception-v3's 75 px), or the one-line reason it is refused. Then, for the
--real models, the same step run for real on the CPU: the tracked peak of live tensors must
equal the fake-mode peak to the byte (the profiler's claim that fake mode is exact). Prints a
table per part and the counts; --json writes every row.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

REAL = ("mnasnet0_5", "shufflenet_v2_x0_5", "regnet_x_400mf", "squeezenet1_1", "densenet121",
        "efficientnet_v2_s")


def profile(name: str, resolution: int, fake: bool = True) -> dict:
    from advisor.config import Config
    from advisor.cost import profile_config
    from advisor.errors import AdvisorError
    from advisor.zoo import resolve_model

    started = time.perf_counter()
    try:
        spec = resolve_model(name)
        depth = spec.depth("all" if spec.whole_only else "half")
        config = Config(method="lora", rank=4, targets="no-depthwise", depth=depth)
        at = max(resolution, spec.min_resolution)
        cost = profile_config(name, config, 4, at, 10, fake=fake)
    except AdvisorError as exc:
        return {"model": name, "refused": str(exc).splitlines()[0].removeprefix(f"{name}: ")}
    return {"model": name, "refused": None, "family": spec.family, "blocks": spec.block_count,
            "head": spec.head, "depth": depth, "resolution": at,
            "peak_bytes": cost.memory.peak_bytes, "trainable": cost.params.trainable,
            "uncounted_ops": cost.uncounted_ops, "seconds": time.perf_counter() - started}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--real", default=",".join(REAL), help="models checked with a real step")
    p.add_argument("--json", help="write every row to this file")
    a = p.parse_args()
    from rich.console import Console
    from rich.table import Table

    from advisor.models.torchvision_cnns import builders

    rows = []
    for i, name in enumerate(builders(), 1):
        rows.append(profile(name, a.resolution))
        print(f"[{i}/{len(builders())}] {name}: {rows[-1]['refused'] or 'profiled'}",
              file=sys.stderr, flush=True)
    t = Table(title=f"LoRA r4 at depth half, batch 4, fake mode, {a.resolution} px")
    for c in ("model", "family", "blocks", "head", "peak MiB", "trainable", "uncounted ops",
              "s"):
        t.add_column(c)
    for r in rows:
        if r["refused"] is None:
            t.add_row(r["model"], r["family"], str(r["blocks"]), r["head"],
                      f"{r['peak_bytes'] / 2**20:.2f}", f"{r['trainable']:,}",
                      ", ".join(r["uncounted_ops"]) or "-", f"{r['seconds']:.1f}")
    console = Console()
    console.print(t)
    refused = [r for r in rows if r["refused"] is not None]
    for r in refused:
        print(f"refused {r['model']}: {r['refused']}")
    print(f"supported {len(rows) - len(refused)} of {len(rows)} builders; refused "
          f"{len(refused)}")
    real = []
    for name in filter(None, a.real.split(",")):
        fake = next(r for r in rows if r["model"] == name)
        measured = profile(name, a.resolution, fake=False)
        real.append({"model": name, "fake": fake["peak_bytes"], "real": measured["peak_bytes"]})
    if real:
        t = Table(title="fake-mode peak vs a real step's tracked peak (bytes)")
        for c in ("model", "fake", "real", "equal"):
            t.add_column(c)
        for r in real:
            t.add_row(r["model"], f"{r['fake']:,}", f"{r['real']:,}", str(r["fake"] == r["real"]))
        console.print(t)
        print(f"fake == real on {sum(r['fake'] == r['real'] for r in real)} of {len(real)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "real": real}, f, indent=1)


if __name__ == "__main__":
    main()
