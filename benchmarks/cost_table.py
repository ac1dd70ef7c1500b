"""Issue-3 figures: FLOPs and peak memory of PEFT methods relative to full fine-tuning.

    python benchmarks/cost_table.py [--models mobilenet_v2,mobilenet_v3_large,resnet18]
                                    [--batch-size 32] [--resolution 224]

Everything is measured on fake tensors (exact, no data, no compute); the last column is the
seconds each fake-mode profile took.
"""

from __future__ import annotations

import argparse

from advisor.config import Config
from advisor.cost import profile_config
from advisor.quiet import quiet_third_party

CONFIGS = [("full", None, "all"), ("head", None, "all"), ("lora", 4, "no-depthwise"),
           ("lora", 16, "no-depthwise"), ("dora", 4, "no-depthwise"), ("dora", 16, "no-depthwise"),
           ("galore", 4, "all"), ("galore", 16, "all")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="mobilenet_v2,mobilenet_v3_large,resnet18")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--resolution", type=int, default=224)
    args = parser.parse_args()
    quiet_third_party()
    seconds = []
    for model in args.models.split(","):
        print(f"\n### {model}, batch {args.batch_size} at {args.resolution} px\n")
        print("| method | rank | GFLOP/step | FLOPs / full | peak MiB | peak / full "
              "| activations MiB | optimizer MiB | storage KiB | profile s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        full = None
        for method, rank, targets in CONFIGS:
            config = Config(method=method, rank=rank, targets=targets)
            r = profile_config(model, config, args.batch_size, args.resolution)
            seconds.append(r.seconds)
            full = full or r
            print(f"| {method} | {rank or '-'} | {r.flops.total / 1e9:.1f} "
                  f"| {r.flops.total / full.flops.total:.2f} "
                  f"| {r.memory.peak_bytes / 2**20:.0f} "
                  f"| {r.memory.peak_bytes / full.memory.peak_bytes:.2f} "
                  f"| {r.memory.activations / 2**20:.0f} | {r.memory.optimizer / 2**20:.1f} "
                  f"| {r.storage_bytes / 1024:.0f} | {r.seconds:.1f} |", flush=True)
    seconds.sort()
    print(f"\nfake-mode profile: median {seconds[len(seconds) // 2]:.1f} s, "
          f"max {seconds[-1]:.1f} s over {len(seconds)} configurations")


if __name__ == "__main__":
    main()
