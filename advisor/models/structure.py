"""Blocks, head and family of any CNN module, found by rules instead of written by hand.

An update needs three facts about a model: the layer that produces the class logits (the head,
replaced for new classes), an ordered list of blocks the update's depth counts back through
(what runs before them is frozen and run as inference), and whether its convolutions are
depthwise or grouped (which adapter ranks and targets it accepts). The rules, in order:

- the head: the last conv or linear layer to run in a forward pass whose output channels are
  the model's output (a Linear, or a final 1x1 conv as in SqueezeNet);
- the blocks: the top-level children that run before the head's own top-level container,
  where a stage container named ``features`` (torchvision's MobileNets, EfficientNets,
  ConvNeXt, DenseNet, VGG, AlexNet, SqueezeNet), ``layers`` (MnasNet), ``trunk_output``
  (RegNet), ``blocks`` or ``stages`` (timm) stands for its children; consecutive layers (no
  children, or parameters of their own) form one block that a pooling layer closes (a
  ResNet's stem, a VGG stage); a block without parameters joins the one before it, and
  those after the last parameterised block are not blocks at all (they run after the
  update's blocks, as the head does); the smallest input the forward pass accepts is found
  too (AlexNet's pooling needs 63 px, Inception-v3's 75 px);
- the order: the blocks must run in that order (checked with hooks on a meta-device forward
  pass); a model where they do not is one block, so only ``--depth all`` means anything there;
- not a CNN: a model with attention layers (ViT, Swin, MaxViT) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from torch import nn

    from advisor.models.spec import ModelSpec

STAGE_CONTAINERS = ("features", "layers", "trunk_output", "blocks", "stages")
Family = Literal["depthwise-separable", "grouped", "standard"]


@dataclass(frozen=True)
class Structure:
    head: str
    blocks: tuple[tuple[str, ...], ...]
    family: Family
    ordered: bool  # False: the blocks did not run in order, so they were made one block
    min_resolution: int  # the smallest input the forward pass accepts


def family(model: nn.Module) -> Family:
    """Depthwise-separable if a conv has one group per input channel, grouped if a conv has
    groups, else standard."""
    from torch import nn

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if any(c.groups > 1 and c.groups == c.in_channels for c in convs):
        return "depthwise-separable"
    if any(c.groups > 1 for c in convs):
        return "grouped"
    return "standard"


def not_a_cnn(model: nn.Module) -> str | None:
    """Why ``model`` is not a CNN advisor adapts (attention layers), or None."""
    from torch import nn

    attention = next((type(m).__name__ for m in model.modules()
                      if "Attention" in type(m).__name__
                      or isinstance(m, nn.MultiheadAttention)), None)
    if attention is not None:
        return f"not a CNN: it has attention layers ({attention})"
    if not any(isinstance(m, nn.Conv2d) for m in model.modules()):
        return "not a CNN: it has no Conv2d layer"
    return None


def _trace(model: nn.Module, resolution: int) -> tuple[list[str], list[tuple[str, int]], int]:
    """(modules in the order they first ran, (name, output channels) of each conv or linear
    layer as it ran, the output's last dimension) for one forward pass (on meta: no work)."""
    import torch
    from torch import nn

    order: list[str] = []
    layers: list[tuple[str, int]] = []
    handles = []

    def hook(name: str):
        def record(module, _inputs, output) -> None:
            if name not in order:
                order.append(name)
            if isinstance(module, (nn.Conv2d, nn.Linear)) and isinstance(output, torch.Tensor):
                layers.append((name, int(output.shape[1] if output.dim() > 1 else 0)))
        return record

    def pre(name: str):
        def record(_module, _inputs) -> None:
            if name not in order:
                order.append(name)
        return record

    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_pre_hook(pre(name)))
            handles.append(module.register_forward_hook(hook(name)))
    try:
        with torch.no_grad():
            device = next(model.parameters()).device  # meta for a spec, anything in tests
            out = model.eval()(torch.empty(2, 3, resolution, resolution, device=device))
    finally:
        for h in handles:
            h.remove()
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        raise AdvisorError(f"its forward pass returns {type(out).__name__}"
                           f"{'' if not isinstance(out, torch.Tensor) else tuple(out.shape)}, "
                           "not a tensor of class logits (batch x classes)")
    return order, layers, int(out.shape[1])


def find_head(model: nn.Module, layers: list[tuple[str, int]], classes: int) -> str:
    from torch import nn

    for name, channels in reversed(layers):
        module = model.get_submodule(name)
        if channels != classes:
            continue
        if isinstance(module, nn.Linear) or module.kernel_size == (1, 1):
            return name
    raise AdvisorError(f"no head found: no Linear or 1x1 conv produces its {classes} outputs")


def _has_params(model: nn.Module, names: tuple[str, ...]) -> bool:
    return any(True for n in names for _ in model.get_submodule(n).parameters())


def _candidates(model: nn.Module, head: str) -> list[tuple[str, nn.Module]]:
    """Top-level children before the head's container, stage containers opened."""
    from torch import nn

    top = head.split(".")[0]
    found = []
    for name, child in model.named_children():
        if name == top:
            break
        if name in STAGE_CONTAINERS and isinstance(child, nn.Sequential):
            found += [(f"{name}.{n}", c) for n, c in child.named_children()]
        else:
            found.append((name, child))
    return found


def _is_layer(module: nn.Module) -> bool:
    """A layer, not a container: no children, or parameters of its own (timm's BatchNormAct2d
    holds its activation as a child)."""
    return next(module.children(), None) is None or \
        next(module.parameters(recurse=False), None) is not None


def _group(model: nn.Module, children: list[tuple[str, nn.Module]]) -> list[tuple[str, ...]]:
    from torch import nn

    pools = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
    blocks: list[list[str]] = []
    run: list[str] = []
    for name, child in children:
        if _is_layer(child):
            run.append(name)
            if isinstance(child, pools):
                blocks.append(run)
                run = []
            continue
        if run:
            blocks.append(run)
            run = []
        blocks.append([name])
    if run:
        blocks.append(run)
    merged: list[list[str]] = []
    for block in blocks:
        if not _has_params(model, tuple(block)) and merged:
            merged[-1] += block
        elif merged and not _has_params(model, tuple(merged[-1])):
            merged[-1] += block  # a leading block without parameters joins this one
        else:
            merged.append(block)
    while merged and not _has_params(model, tuple(merged[-1])):
        merged.pop()
    # what joined the last parameterised block after it runs after the update's blocks
    while merged and len(merged[-1]) > 1 and not _has_params(model, (merged[-1][-1],)):
        merged[-1].pop()
    return [tuple(b) for b in merged]


def shape_only_normalisation():
    """A torch function mode under which batch norm on the meta device returns an empty
    tensor of its input's shape (its only output on meta) instead of running torch's Python
    decomposition of it, which is most of a meta forward pass: densenet121's structure is
    found 4x faster, with the same result (tests/models/test_structure.py). Only inference
    with running statistics of the input's channel count is shortcut; anything else (a
    mismatch that must raise, training's batch-size check) runs as torch has it."""
    import torch
    from torch.nn import functional
    from torch.overrides import TorchFunctionMode

    class _ShapeOnly(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is functional.batch_norm and args[0].device.type == "meta":
                named = dict(zip(("input", "running_mean", "running_var", "weight", "bias",
                                  "training"), args, strict=False), **kwargs)
                x, mean = named["input"], named.get("running_mean")
                if (not named.get("training") and mean is not None and x.dim() > 1
                        and mean.shape[0] == x.shape[1]):
                    return torch.empty_like(x)
            return func(*args, **kwargs)

    return _ShapeOnly()


def _runs_at(model: nn.Module, resolution: int) -> bool:
    import torch

    device = next(model.parameters()).device
    try:
        with torch.no_grad():
            model.eval()(torch.empty(1, 3, resolution, resolution, device=device))
    except RuntimeError:  # "Output size is too small", a kernel larger than its input
        return False
    return True


def smallest_input(model: nn.Module, low: int, high: int = 512) -> int | None:
    """The smallest square input from ``low`` px up that the forward pass accepts (pooling
    and kernels shrink small ones to nothing), or None if not even ``high``. Assumes that
    what runs at one size runs at every larger one (true of torchvision's CNNs)."""
    if _runs_at(model, low):
        return low
    if not _runs_at(model, high):
        return None
    while high - low > 1:  # low fails, high runs
        middle = (low + high) // 2
        low, high = (low, middle) if _runs_at(model, middle) else (middle, high)
    return high


def structure(model: nn.Module) -> Structure:
    """The head, blocks and family of ``model`` (on the meta device is enough); an
    AdvisorError with the reason where the rules find none."""
    from advisor.defaults import MIN_RESOLUTION

    reason = not_a_cnn(model)
    if reason is not None:
        raise AdvisorError(reason)
    try:
        with shape_only_normalisation():
            smallest = smallest_input(model, MIN_RESOLUTION)
            if smallest is None:
                raise AdvisorError("its forward pass fails on every input size up to 512 px")
            order, layers, classes = _trace(model, max(64, smallest))
    except AdvisorError:
        raise
    except Exception as exc:  # a user's module: its own error, in one line
        raise AdvisorError(f"its forward pass raised {type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    head = find_head(model, layers, classes)
    blocks = _group(model, _candidates(model, head))
    if not blocks:
        raise AdvisorError("no blocks found before the head")
    first_run = [min(order.index(n) for n in b if n in order) if any(n in order for n in b)
                 else -1 for b in blocks]
    ordered = -1 not in first_run and first_run == sorted(first_run)
    if not ordered:
        blocks = [tuple(n for b in blocks for n in b)]
    return Structure(head, tuple(blocks), family(model), ordered, smallest)


def spec_of(net: nn.Module, name: str, what: str, source: str, builder: str = "") -> ModelSpec:
    """The ModelSpec of ``net`` (built on meta) under ``name``, its description ``what`` and
    the parameter count; an AdvisorError naming the model where the rules find none."""
    from advisor.models.spec import ModelSpec

    try:
        found = structure(net)
    except AdvisorError as exc:
        raise AdvisorError(f"{name}: {exc}") from None
    params = sum(p.numel() for p in net.parameters())
    return ModelSpec(name, (), found.family, found.head, f"{what} ({params / 1e6:.2f}M params)",
                     found.blocks, builder=builder, source=source, whole_only=not found.ordered,
                     min_resolution=found.min_resolution, params=params)
