"""``--model package.module:factory`` and ``--model timm:NAME``."""

import sys

import pytest
import torch

from advisor.errors import AdvisorError
from advisor.zoo import build_model, resolve_model

MODULE = '''
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.stage1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8),
                                    nn.Conv2d(8, 16, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        return self.head(self.pool(self.stage2(self.stage1(self.stem(x)))).flatten(1))


def build():
    return Tiny()


def broken():
    raise RuntimeError("no such layer")


def not_a_module():
    return 3
'''


@pytest.fixture
def user_package(tmp_path, monkeypatch):
    (tmp_path / "usernets_fixture.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    yield "usernets_fixture"
    sys.modules.pop("usernets_fixture", None)


def test_a_user_factory_is_a_model_with_blocks_head_and_family(user_package):
    spec = resolve_model(f"{user_package}:build")
    assert spec.blocks == (("stem",), ("stage1",), ("stage2",))
    assert (spec.head, spec.family, spec.source) == ("head", "depthwise-separable", "factory")
    model = build_model(spec, 3)  # the head is replaced for the update's classes
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 3)


@pytest.mark.parametrize(("factory", "says"), [
    ("broken", "the factory raised RuntimeError: no such layer"),
    ("not_a_module", "returned int, not a torch.nn.Module"),
    ("missing", "has no callable 'missing'"),
])
def test_a_bad_factory_is_one_line(user_package, factory, says):
    with pytest.raises(AdvisorError, match=says):
        resolve_model(f"{user_package}:{factory}")


def test_an_unimportable_module_is_one_line(user_package):
    with pytest.raises(AdvisorError, match="cannot import no_such_module_here"):
        resolve_model("no_such_module_here:build")


def test_a_timm_cnn_is_a_model_and_a_timm_transformer_is_refused():
    pytest.importorskip("timm")
    spec = resolve_model("timm:lcnet_050")
    assert spec.source == "timm" and spec.family == "depthwise-separable"
    assert spec.head == "classifier" and spec.block_count >= 5
    with pytest.raises(AdvisorError, match="not a CNN"):
        resolve_model("timm:vit_tiny_patch16_224")
    with pytest.raises(AdvisorError, match="timm has no model 'nosuchnet'"):
        resolve_model("timm:nosuchnet")
