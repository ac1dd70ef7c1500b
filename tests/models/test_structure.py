"""The rules that find blocks, head and family on any CNN (advisor/models/structure.py)."""

import contextlib

import pytest
import torch
from torch import nn

from advisor.errors import AdvisorError
from advisor.models.structure import structure
from advisor.models.torchvision_cnns import build
from advisor.zoo import MODELS, build_model, get_head, replace_head, resolve_model, skeleton


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_rules_find_the_hand_written_blocks_of_every_shipped_model(name):
    """The shipped evidence was measured on these blocks: the rules must not move them."""
    spec = MODELS[name]
    with torch.device("meta"):
        net = build(spec.torchvision_name, 1000, spec.options)
    found = structure(net)
    assert (found.head, found.blocks, found.family) == (spec.head, spec.blocks, spec.family)
    assert found.ordered


@pytest.mark.parametrize(("name", "blocks", "family", "head"), [
    ("shufflenet_v2_x0_5", 5, "depthwise-separable", "fc"),
    ("regnet_x_400mf", 5, "grouped", "fc"),  # built on meta despite its tensor arithmetic
    ("mnasnet0_5", 8, "depthwise-separable", "classifier.1"),
    ("squeezenet1_1", 9, "standard", "classifier.1"),  # a 1x1 conv head
    ("vgg11", 5, "standard", "classifier.6"),  # stages closed by their max-pools
    ("densenet121", 9, "standard", "classifier"),
])
def test_torchvision_cnns_get_blocks_and_head_by_rule(name, blocks, family, head):
    spec = resolve_model(name)
    assert (spec.block_count, spec.family, spec.head) == (blocks, family, head)
    assert spec.source == "torchvision" and not spec.whole_only


def test_a_conv_head_is_replaced_by_a_conv_and_gives_the_new_classes():
    spec = resolve_model("squeezenet1_1")
    model = build_model(spec, 5)
    assert isinstance(get_head(model, spec), nn.Conv2d)
    replace_head(model, spec, 3)
    assert model.eval()(torch.randn(1, 3, 64, 64)).shape == (1, 3)


@pytest.mark.parametrize("name", ["vit_b_16", "swin_t", "maxvit_t"])
def test_transformers_are_refused_as_not_cnns(name):
    with pytest.raises(AdvisorError, match=f"{name}: not a CNN"):
        resolve_model(name)


class _OutOfOrder(nn.Module):
    """Declares its stages in one order and runs them in another."""

    def __init__(self):
        super().__init__()
        self.late = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.early = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(self.pool(self.late(self.early(x))).flatten(1))


def test_blocks_that_do_not_run_in_order_become_one_and_only_depth_all_is_allowed():
    found = structure(_OutOfOrder())
    assert not found.ordered and found.blocks == (("late", "early"),)


def test_a_model_whose_output_is_not_logits_has_no_head():
    with pytest.raises(AdvisorError, match="not a tensor of class logits"):
        structure(nn.Sequential(nn.Conv2d(3, 4, 3)))


def test_skeletons_of_rule_found_models_are_on_meta():
    assert all(p.is_meta for p in skeleton(resolve_model("regnet_y_400mf")).parameters())


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "resnet18", "inception_v3"])
def test_shape_only_normalisation_finds_what_torchs_own_batch_norm_finds(name, monkeypatch):
    """The shortcut against torch's own meta batch norm: the same structure, including the
    smallest input (Inception-v3 needs 75 px), and a channel mismatch still raises."""
    from advisor.models import structure as rules

    with torch.device("meta"):
        net = build(name, 1000)
    fast = structure(net)
    shortcut = rules.shape_only_normalisation
    monkeypatch.setattr(rules, "shape_only_normalisation", contextlib.nullcontext)
    assert structure(net) == fast
    with torch.device("meta"), shortcut(), pytest.raises(RuntimeError):
        nn.BatchNorm2d(4).eval()(torch.empty(1, 3, 8, 8))
