import pytest
import torch

from advisor.errors import AdvisorError
from advisor.zoo import MODELS, build_model, get_head, replace_head, resolve_model

REQUIRED = {"mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "resnet18", "resnet50",
            "efficientnet_b0"}


def test_required_models_and_aliases():
    assert set(MODELS) >= REQUIRED
    assert resolve_model("mobilenetv3").name == "mobilenet_v3_small"
    assert resolve_model("MobileNetV2").name == "mobilenet_v2"
    assert resolve_model("r18").name == "resnet18"
    with pytest.raises(AdvisorError, match="unknown model 'vgg17'.*advisor models.*mobilenetv3"):
        resolve_model("vgg17")


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_head_is_the_final_linear_and_can_be_replaced(name):
    spec = resolve_model(name)
    model = build_model(spec, 5)
    assert get_head(model, spec).out_features == 5
    new = replace_head(model, spec, 7)
    assert get_head(model, spec) is new
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 7)


def test_depthwise_family_is_labelled():
    assert resolve_model("mobilenetv3").family == "depthwise-separable"
    assert resolve_model("resnet18").family == "standard"


def test_widest_layer_bounds_the_rank_and_one_sample_trains_only_above_1x1_maps():
    from advisor.zoo import check_rank, trains_on_one_sample, widest_layer

    spec = resolve_model("resnet18")
    assert widest_layer(spec) == 512
    check_rank(512, [spec])
    with pytest.raises(AdvisorError, match="rank 513 is above the widest layer of resnet18, "
                                           "512 channels"):
        check_rank(513, [spec])
    check_rank(1000, [spec, resolve_model("mobilenet_v2")])  # within mobilenet_v2's 1280
    assert not trains_on_one_sample(spec, 32) and trains_on_one_sample(spec, 64)
