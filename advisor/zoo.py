"""Model registry: names, aliases, the head, the blocks an update can reach back through, and
where weights come from.

Eight models are written here by hand (the shipped evidence was measured on them, so their
blocks must not move); every other torchvision classification CNN, timm's CNNs
(``timm:NAME``) and a user's own module (``package.module:factory``) get their spec from the
rules of models/structure.py.

A *block* is the model's natural unit: a ``features[i]`` stage of a MobileNet or EfficientNet,
a ``layerN`` of a ResNet (its stem, conv1/bn1/relu/maxpool, is the first block). An update of
depth K reaches the last K blocks; everything after them (pooling, classifier) always runs
as the method says.

Weights (the model the device already runs, before the update):
- ``builtin``: trained here on the task's source split from scratch, deterministic, cached;
- ``imagenet``: torchvision's ImageNet weights through its weights API, then trained on the
  source split (cached); offline and not cached in TORCH_HOME gives a clear error;
- a file: a state dict of this architecture (any head size), used as it is.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from typing import TYPE_CHECKING

from advisor.errors import AdvisorError
from advisor.models.spec import (  # noqa: F401  (the registry re-exports the head API)
    ModelSpec,
    get_head,
    head_shape,
    replace_head,
)

if TYPE_CHECKING:
    from torch import nn


def _features(n: int) -> tuple[tuple[str, ...], ...]:
    return tuple((f"features.{i}",) for i in range(n))


_RESNET_BLOCKS = (("conv1", "bn1", "relu", "maxpool"), ("layer1",), ("layer2",), ("layer3",),
                  ("layer4",))


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("mobilenet_v2", ("mobilenetv2", "mnv2"), "depthwise-separable", "classifier.1",
                  "MobileNetV2 (inverted residuals, 3.5M params)", _features(19)),
        ModelSpec("mobilenet_v3_small", ("mobilenetv3", "mobilenetv3-small", "mnv3s"),
                  "depthwise-separable", "classifier.3", "MobileNetV3-Small (2.5M params)",
                  _features(13)),
        ModelSpec("mobilenet_v3_large", ("mobilenetv3-large", "mnv3l"), "depthwise-separable",
                  "classifier.3", "MobileNetV3-Large (5.5M params)", _features(17)),
        ModelSpec("efficientnet_b0", ("efficientnet", "efficientnetb0", "effnet-b0"),
                  "depthwise-separable", "classifier.1", "EfficientNet-B0 (5.3M params)",
                  _features(9)),
        ModelSpec("resnet18", ("r18",), "standard", "fc", "ResNet-18 (11.7M params)",
                  _RESNET_BLOCKS),
        ModelSpec("resnet50", ("r50",), "standard", "fc", "ResNet-50 (25.6M params)",
                  _RESNET_BLOCKS),
        # MCU scale: MobileNetV2 at width 0.35 is MCUNetV3's own on-device training baseline.
        ModelSpec("mobilenet_v2_035", ("mbv2-0.35", "mobilenetv2-0.35", "mnv2-035"),
                  "depthwise-separable", "classifier.1",
                  "MobileNetV2 at width 0.35 (MCU scale, 0.40M params with a 5-class head)",
                  _features(19), builder="mobilenet_v2", options=(("width_mult", 0.35),),
                  scale="mcu"),
        ModelSpec("mobilenet_v3_small_050", ("mnv3s-0.5", "mobilenetv3-small-0.5"),
                  "depthwise-separable", "classifier.3",
                  "MobileNetV3-Small at width 0.5 (MCU scale, 0.41M params with a 5-class head)",
                  _features(13), builder="mobilenet_v3_small", options=(("width_mult", 0.5),),
                  scale="mcu"),
    )
}
_ALIASES = {alias: spec.name for spec in MODELS.values() for alias in (spec.name, *spec.aliases)}


def resolve_model(name: str) -> ModelSpec:
    """A hand-written spec by name or alias, else ``timm:NAME``, ``package.module:factory`` or
    a torchvision classification builder, its spec found by rules."""
    key = name.strip().lower().replace(" ", "")
    if key in _ALIASES:
        return MODELS[_ALIASES[key]]
    if key.startswith("timm:"):
        from advisor.models.timm_cnns import spec_for as timm_spec

        return timm_spec(name.strip()[5:])
    if ":" in name:
        from advisor.models.user_module import spec_for as factory_spec

        return factory_spec(name.strip())
    from advisor.models.torchvision_cnns import builders
    from advisor.models.torchvision_cnns import spec_for as torchvision_spec

    if key in builders():
        return torchvision_spec(key)
    raise AdvisorError(f"unknown model '{name}'; use a torchvision classification CNN's name "
                       f"(advisor models lists them), timm:NAME or package.module:factory, or "
                       f"one of: {', '.join('/'.join(s.aliases) for s in MODELS.values())}")


def build_model(spec: ModelSpec, num_classes: int) -> nn.Module:
    """A randomly initialised model (seed the RNG first for determinism); on the meta device
    inside ``torch.device("meta")``."""
    if spec.source == "timm":
        from advisor.models.timm_cnns import build
    elif spec.source == "factory":
        from advisor.models.user_module import build
    else:
        from advisor.models.torchvision_cnns import build
    return build(spec.torchvision_name, num_classes, spec.options)


def skeleton(spec: ModelSpec, num_classes: int = 2) -> nn.Module:
    """The architecture on the meta device: shapes and module structure, no memory, no
    initialisation; enough to decide which methods and target layers a model accepts."""
    import torch

    with torch.device("meta"):
        return build_model(spec, num_classes)


def imagenet_state_dict(spec: ModelSpec) -> dict:
    """ImageNet weights via torchvision's own API (its TORCH_HOME cache, or a download)."""
    from torchvision.models import get_model_weights

    if spec.options or spec.source != "torchvision":
        raise AdvisorError(f"torchvision has no ImageNet weights for {spec.name}; use "
                           "--weights builtin or --weights FILE")
    weights = get_model_weights(spec.torchvision_name).DEFAULT
    said = io.StringIO()  # torch.hub writes "Downloading ..." to stdout (the CLI's JSON)
    try:
        with contextlib.redirect_stdout(said):
            state = weights.get_state_dict(progress=False, check_hash=True)
    except OSError as exc:  # URLError is an OSError: offline and not in the cache
        raise AdvisorError(
            f"ImageNet weights for {spec.name} are not in torchvision's cache and could not be "
            f"downloaded ({exc.__class__.__name__}); fetch them once online, or pass "
            "--weights builtin or --weights FILE"
        ) from None
    except Exception as exc:  # a damaged file in torchvision's cache (a bad hash, a torn zip)
        raise AdvisorError(
            f"ImageNet weights for {spec.name} in torchvision's cache cannot be read "
            f"({type(exc).__name__}); remove {weights.url.rsplit('/', 1)[-1]} from "
            "$TORCH_HOME/hub/checkpoints and run again online") from None
    sys.stderr.write(said.getvalue())  # a download that worked is worth a note
    return state


@functools.cache
def widest_layer(spec: ModelSpec) -> int:
    """The most channels (in or out) of any conv or linear layer: no adapter or projection
    rank above it can mean anything on this model."""
    from torch import nn

    return max(max(getattr(m, "in_channels", 0), getattr(m, "out_channels", 0),
                   getattr(m, "in_features", 0), getattr(m, "out_features", 0))
               for m in skeleton(spec).modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def check_rank(rank: int, specs: list[ModelSpec]) -> None:
    """Refuse a rank above the widest layer of every model named (before any work)."""
    width, name = max((widest_layer(s), s.name) for s in specs)
    if rank > width:
        which = name if len(specs) == 1 else f"every model named (the widest: {name}'s)"
        raise AdvisorError(f"rank {rank} is above the widest layer of {which}, {width} "
                           "channels: no adapter or projection of a higher rank exists there")


@functools.cache
def trains_on_one_sample(spec: ModelSpec, resolution: int) -> bool:
    """Whether BatchNorm in training mode takes a batch of one at this resolution: not where
    a feature map shrinks to 1x1 (one value per channel; torch refuses it, as here on meta
    tensors, without computing anything)."""
    import torch

    model = skeleton(spec).train()
    try:
        model(torch.empty(1, 3, resolution, resolution, device="meta"))
    except ValueError as exc:
        if "more than 1 value per channel" in str(exc):
            return False
        raise
    return True
