"""Every torchvision classifier: a CNN gets blocks and a head, anything else is refused in one
line with its reason; one model of each kind of block gets an exact fake-mode profile of LoRA
r4 at depth half. Profiling all 68 CNNs takes minutes on 2 cores: benchmarks/any_cnn.py does
it and prints the counts."""

import pytest

from advisor.config import Config
from advisor.cost import profile_config
from advisor.errors import AdvisorError
from advisor.models.torchvision_cnns import builders
from advisor.zoo import resolve_model

# The smallest model of each torchvision module, and of each block kind within one (basic vs
# bottleneck vs grouped residual blocks, RegNet X vs Y, EfficientNet v1 vs v2's fused blocks,
# VGG with and without BatchNorm).
PROFILED = ("alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s",
            "googlenet", "inception_v3", "mnasnet0_5", "mobilenet_v2", "mobilenet_v3_large",
            "regnet_x_400mf", "regnet_y_400mf", "resnet18", "resnet50", "resnext50_32x4d",
            "shufflenet_v2_x0_5", "squeezenet1_1", "vgg11", "vgg11_bn")


@pytest.mark.slow  # builds each of 80 models on the meta device: about 35 s on 2 cores
def test_every_torchvision_classifier_gets_a_spec_or_is_refused_in_one_line():
    supported, refused = [], {}
    for name in builders():
        try:
            spec = resolve_model(name)
        except AdvisorError as exc:
            refused[name] = str(exc)
            continue
        assert spec.block_count >= 1 and spec.head
        supported.append(name)
    assert len(supported) >= 45 and set(PROFILED) <= set(supported)
    assert all("\n" not in reason and "not a CNN" in reason for reason in refused.values())
    assert set(refused) == {n for n in builders() if n.startswith(("vit_", "swin_", "maxvit"))}


@pytest.mark.slow  # about a minute on 2 cores: 19 fake-mode profiles
@pytest.mark.parametrize("name", PROFILED)
def test_one_of_each_kind_of_torchvision_cnn_is_profiled(name):
    spec = resolve_model(name)
    depth = spec.depth("all" if spec.whole_only else "half")
    config = Config(method="lora", rank=4, targets="no-depthwise", depth=depth)
    cost = profile_config(name, config, 2, max(32, spec.min_resolution), 10)
    assert cost.mode == "fake" and cost.memory.peak_bytes > 0
    assert 0 < cost.params.trainable < cost.params.total
