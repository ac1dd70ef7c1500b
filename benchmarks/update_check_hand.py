"""The plain loop that benchmarks/update_check.py holds `advisor update` against, and the
reading of advisor's outputs it checks: torch, torchvision, peft and galore-torch only.

    python benchmarks/update_check_hand.py train --model resnet18 --weights START.pt \
        --images DIR --config lora --seed 0 [--epochs 2] [--resolution 64]
    python benchmarks/update_check_hand.py outputs --model resnet18 --weights START.pt \
        --images DIR --config lora --seed 0 --out OUT [--resolution 64]

Nothing here imports advisor, so neither side shares a line with what it is compared to:
its own DataLoader over torchvision's ImageFolder, its own freezing, peft's get_peft_model,
galore-torch's GaLoreAdamW (with the few lines galore-torch 1.0 lacks for 4-D conv weights:
project the weight as the matrix C_out x C_in*kh*kw), its own gradient accumulation. Where
a method trains BatchNorm statistics (full, GaLore) they are re-estimated over the training
images after the last epoch (torch's update_bn), as advisor does. Each prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

# The configurations compared: advisor's flags and this loop's set-up read the same entry.
CONFIGS: dict[str, dict] = {
    "full": {"method": "full", "lr": 1e-3},
    "bias": {"method": "bias", "lr": 5e-3},
    "lora": {"method": "lora", "rank": 8, "targets": "no-depthwise", "depth": 4,
             "micro_batch": 4, "lr": 5e-3},
    "dora": {"method": "dora", "rank": 8, "targets": "no-depthwise", "lr": 5e-3},
    "galore": {"method": "galore", "rank": 8, "targets": "no-depthwise", "lr": 4e-3},
    "head": {"method": "head", "lr": 1e-2},
}
BATCH_SIZE = 16
HEADS = {"mobilenet_v3_small": "classifier.3", "resnet18": "fc"}
GALORE = {"update_proj_gap": 50, "scale": 0.25, "proj_type": "std"}
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _folder(path: str, resolution: int):
    import torch
    from torchvision.datasets import ImageFolder
    from torchvision.transforms import v2

    return ImageFolder(path, transform=v2.Compose([
        v2.PILToTensor(), v2.Resize((resolution, resolution), antialias=True),
        v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]))


def start_model(arch: str, weights: str, seed: int, classes: int):
    """The given weights, a new head of ``classes`` outputs drawn after seeding with ``seed``."""
    import torch
    from torch import nn
    from torchvision.models import get_model

    state = torch.load(weights, map_location="cpu", weights_only=True)
    head = HEADS[arch]
    net = get_model(arch, weights=None, num_classes=state[f"{head}.weight"].shape[0])
    net.load_state_dict(state)
    torch.manual_seed(seed)
    parent, _, child = head.rpartition(".")
    old = net.get_submodule(head)
    setattr(net.get_submodule(parent) if parent else net, child,
            nn.Linear(old.in_features, classes))
    return net


def _prefix(net, arch: str, depth: int | None) -> list:
    """The blocks an update of ``depth`` blocks does not reach."""
    blocks = ([[net.conv1, net.bn1], net.layer1, net.layer2, net.layer3, net.layer4]
              if arch.startswith("resnet") else list(net.features))
    return [] if depth is None else blocks[:len(blocks) - depth]


def _targets(net, arch: str, depth: int | None) -> list[str]:
    """Conv (not grouped) and linear layers outside the frozen prefix, the head excepted."""
    from torch import nn

    frozen = {id(m) for block in _prefix(net, arch, depth)
              for part in (block if isinstance(block, list) else [block]) for m in part.modules()}
    return [name for name, m in net.named_modules()
            if name != HEADS[arch] and id(m) not in frozen
            and (isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and m.groups == 1))]


def _galore(net, arch: str, config: dict):
    from galore_torch import GaLoreAdamW
    from galore_torch.galore_projector import GaLoreProjector

    class ConvProjector(GaLoreProjector):  # galore-torch 1.0 projects 2-D gradients only
        def project(self, grad, iter):
            self.shape = grad.shape
            return super().project(grad.reshape(grad.shape[0], -1), iter)

        def project_back(self, grad):
            return super().project_back(grad).reshape(self.shape)

    names = set(_targets(net, arch, config.get("depth")))
    low = [m.weight for n, m in net.named_modules() if n in names]
    rest = [p for p in net.parameters() if all(p is not q for q in low)]
    optimizer = GaLoreAdamW([{"params": rest}, {"params": low, "rank": config["rank"], **GALORE}],
                            lr=config["lr"], weight_decay=0.0, no_deprecation_warning=True)
    for p in low:
        if p.dim() > 2:
            optimizer.state[p]["projector"] = ConvProjector(config["rank"], **GALORE)
    return optimizer


def set_up(net, arch: str, config: dict):
    """(model to train, optimizer, whether BatchNorm statistics train)."""
    import torch
    from peft import LoraConfig, get_peft_model

    method, head = config["method"], HEADS[arch]
    if method in ("lora", "dora"):
        adapters = LoraConfig(r=config["rank"], lora_alpha=2 * config["rank"], lora_dropout=0.0,
                              target_modules=_targets(net, arch, config.get("depth")),
                              use_dora=method == "dora", modules_to_save=[head])
        net = get_peft_model(net, adapters)
    elif method in ("bias", "head"):
        for name, p in net.named_parameters():
            p.requires_grad_(name.startswith(head + ".")
                             or (method == "bias" and name.endswith(".bias")))
    if method == "galore":
        return net, _galore(net, arch, config), True
    trainable = [p for p in net.parameters() if p.requires_grad]
    return net, torch.optim.AdamW(trainable, lr=config["lr"], weight_decay=0.0), method == "full"


def _train_mode(model, trains_norm_statistics: bool) -> None:
    from torch import nn

    model.train()
    if not trains_norm_statistics:
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))


def train(args: argparse.Namespace) -> dict:
    import galore_torch  # noqa: F401  (imported before the baseline, as advisor has them)
    import peft  # noqa: F401
    import torch
    import torch.nn.functional as F
    from torch.optim.swa_utils import update_bn
    from torch.utils.data import DataLoader

    config = CONFIGS[args.config]
    data = _folder(f"{args.images}/train", args.resolution)
    net = start_model(args.model, args.weights, args.seed, len(data.classes))
    weights = sum(t.numel() * t.element_size() for t in [*net.parameters(), *net.buffers()])
    baseline = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak-RSS mark restarts here, as advisor's own measurement does
    model, optimizer, trains_bn = set_up(net, args.model, config)
    loader = DataLoader(data, batch_size=BATCH_SIZE, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    micro, steps, started = config.get("micro_batch") or BATCH_SIZE, 0, time.perf_counter()
    _train_mode(model, trains_bn)
    for _ in range(args.epochs):
        for x, y in loader:
            optimizer.zero_grad(set_to_none=True)
            for xs, ys in zip(x.split(micro), y.split(micro), strict=True):
                (F.cross_entropy(model(xs), ys, reduction="sum") / len(x)).backward()
            optimizer.step()
            steps += 1
    if trains_bn:
        update_bn(DataLoader(data, batch_size=micro), model)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM") - baseline + weights
    val = DataLoader(_folder(f"{args.images}/val", args.resolution), batch_size=64)
    return {"accuracy": accuracy(model, val), "steps": steps, "train_seconds": seconds,
            "seconds_per_step": seconds / steps, "peak_rss_bytes": peak}


def accuracy(model, loader) -> float:
    import torch

    model.eval()
    right = total = 0
    with torch.no_grad():
        for x, y in loader:
            right += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return right / total


def outputs(args: argparse.Namespace) -> dict:
    """OUT/model.safetensors against update.safetensors put on the starting model (adapters
    inserted by peft where it holds some), and the peft folder loaded by peft itself."""
    import torch
    from peft import LoraConfig, PeftModel, inject_adapter_in_model
    from safetensors.torch import load_file
    from torchvision.models import get_model

    val = _folder(f"{args.images}/val", args.resolution)
    x = torch.stack([val[i][0] for i in range(min(64, len(val)))])
    merged = get_model(args.model, weights=None, num_classes=len(val.classes))
    merged.load_state_dict(load_file(f"{args.out}/model.safetensors"))
    update = load_file(f"{args.out}/update.safetensors")
    unmerged = start_model(args.model, args.weights, args.seed, len(val.classes))
    adapters = sorted({k.split(".lora_")[0] for k in update if ".lora_" in k})
    if adapters:
        config = CONFIGS[args.config]
        unmerged = inject_adapter_in_model(LoraConfig(
            r=config["rank"], lora_alpha=2 * config["rank"], lora_dropout=0.0,
            target_modules=adapters, use_dora=config["method"] == "dora"), unmerged)
    loaded = unmerged.load_state_dict(update, strict=False)
    found = {"unexpected_keys": len(loaded.unexpected_keys), "peft_vs_unmerged": None}
    with torch.no_grad():
        reference = unmerged.eval()(x)
        found["merged_vs_unmerged"] = float((merged.eval()(x) - reference).abs().max())
        if adapters:
            base = start_model(args.model, args.weights, args.seed, len(val.classes))
            peft = PeftModel.from_pretrained(base, f"{args.out}/adapter").eval()
            found["peft_vs_unmerged"] = float((peft(x) - reference).abs().max())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("train", "outputs"))
    parser.add_argument("--model", required=True, choices=list(HEADS))
    parser.add_argument("--weights", required=True, help="the starting state dict (.pt)")
    parser.add_argument("--images", required=True, help="DIR/train/<class>/, DIR/val/<class>/")
    parser.add_argument("--config", required=True, choices=list(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--out", help="outputs: the folder advisor update wrote")
    args = parser.parse_args()
    print(json.dumps(train(args) if args.what == "train" else outputs(args)))


if __name__ == "__main__":
    main()
