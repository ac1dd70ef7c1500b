"""FLOPs and peak memory of every method relative to full fine-tuning of every block, at each
update depth (all, half, quarter, last block).

    python benchmarks/cost_table.py [--models mobilenet_v2,mobilenet_v3_small,resnet18]
                                    [--batch-size 32] [--resolution 224] [--rank 4]

Everything is measured on fake tensors (exact, no data, no compute). Each cell: peak memory /
full, FLOPs per step / full (full = full fine-tuning, all blocks, same batch and resolution).
"""

from __future__ import annotations

import argparse

from advisor.config import Config
from advisor.cost import profile_config
from advisor.methods import METHODS
from advisor.quiet import quiet_third_party
from advisor.space import DEPTHS
from advisor.zoo import resolve_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="mobilenet_v2,mobilenet_v3_small,resnet18")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--rank", type=int, default=4)
    args = parser.parse_args()
    quiet_third_party()
    for model in args.models.split(","):
        spec = resolve_model(model)
        full = profile_config(spec.name, Config(method="full"), args.batch_size,
                              args.resolution)
        depths = {name: spec.depth(name) for name in DEPTHS}
        print(f"\n### {spec.name} ({spec.family}, {spec.block_count} blocks), batch "
              f"{args.batch_size} at {args.resolution} px: peak / full, FLOPs / full\n")
        print(f"full fine-tuning, all blocks: {full.memory.peak_bytes / 2**20:.0f} MiB, "
              f"{full.flops.total / 1e9:.2f} GFLOP per step\n")
        print("| method | " + " | ".join(f"{n} ({'all' if d is None else d})"
                                           for n, d in depths.items()) + " |")
        print("|---|" + "---|" * len(depths))
        for name, method in METHODS.items():
            cells = []
            for depth in depths.values() if method.reaches_backbone else [None]:
                rank = args.rank if method.uses_rank else None
                cost = profile_config(spec.name, Config(method=name, rank=rank, depth=depth),
                                      args.batch_size, args.resolution)
                cells.append(f"{cost.memory.peak_bytes / full.memory.peak_bytes:.2f} / "
                             f"{cost.flops.total / full.flops.total:.2f}")
            label = f"{name} r{args.rank}" if method.uses_rank else name
            print(f"| {label} | " + " | ".join(cells + ["same"] * (len(depths) - len(cells)))
                  + " |", flush=True)


if __name__ == "__main__":
    main()
