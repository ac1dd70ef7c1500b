"""advisor update on models the zoo does not write by hand: a user's own module
(package.module:factory) and a timm CNN, end to end at 32 px."""

import sys

import pytest
import torch
from conftest import CLASSES, QUICK
from safetensors.torch import load_file

from advisor.updater.job import update
from advisor.zoo import build_model, resolve_model

FACTORY = '''
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.stage1 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(16, 16, 1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 7)

    def forward(self, x):
        return self.fc(self.pool(self.stage2(self.stage1(self.stem(x)))).flatten(1))


def build():
    return Net()
'''


def _update_and_check(model: str, images, weights, out):
    config = {**QUICK, "method": "lora", "rank": 4, "depth": 2}
    manifest = update(model, images, out, weights=str(weights), config=config, task="unseen")
    assert (out / "update.safetensors").stat().st_size == manifest.storage.predicted_bytes
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    merged = build_model(resolve_model(model), len(CLASSES))
    merged.load_state_dict(load_file(str(out / "model.safetensors")))
    assert merged.eval()(torch.randn(2, 3, 32, 32)).shape == (2, len(CLASSES))
    return manifest


def test_a_user_factory_model_is_updated_end_to_end(images, tmp_path, monkeypatch):
    (tmp_path / "usernet_update_fixture.py").write_text(FACTORY)
    monkeypatch.chdir(tmp_path)
    model = "usernet_update_fixture:build"
    try:
        torch.manual_seed(0)
        weights = tmp_path / "start.pt"
        torch.save(build_model(resolve_model(model), 7).state_dict(), weights)
        manifest = _update_and_check(model, images, weights, tmp_path / "out")
    finally:
        sys.modules.pop("usernet_update_fixture", None)
    assert manifest.model == model and manifest.task == "unseen"


def test_a_timm_cnn_is_updated_end_to_end(images, tmp_path):
    pytest.importorskip("timm")
    model = "timm:lcnet_050"
    torch.manual_seed(0)
    weights = tmp_path / "start.pt"
    torch.save(build_model(resolve_model(model), 10).state_dict(), weights)
    manifest = _update_and_check(model, images, weights, tmp_path / "out")
    assert manifest.model == model
