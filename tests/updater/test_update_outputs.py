"""advisor update writes the four outputs, each what it says: update.safetensors of exactly the
predicted storage, a peft folder peft itself loads, a merged model.safetensors with the same
logits, a manifest; a previous update's model is updated again."""

import json

import pytest
import torch
from conftest import CLASSES, MODEL, QUICK, write_images
from safetensors.torch import load_file

from advisor.errors import AdvisorError
from advisor.updater.job import update
from advisor.zoo import build_model, replace_head, resolve_model

SPEC = resolve_model(MODEL)


def _plain(path, classes=3):
    net = build_model(SPEC, classes)
    net.load_state_dict(load_file(str(path)))
    return net.eval()


def _batch():
    torch.manual_seed(5)
    return torch.randn(4, 3, 32, 32)


@pytest.fixture(scope="module")
def lora_run(images, weights, tmp_path_factory):
    out = tmp_path_factory.mktemp("lora") / "out"
    config = {**QUICK, "method": "lora", "rank": 4, "depth": 4}
    return out, update(MODEL, images, out, weights=str(weights), config=config)


def test_update_writes_the_four_outputs(lora_run):
    out, manifest = lora_run
    for name in ("update.safetensors", "model.safetensors", "manifest.json",
                 "adapter/adapter_config.json", "adapter/adapter_model.safetensors"):
        assert (out / name).is_file(), name
    assert not (out / "checkpoint.pt").exists()
    written = json.loads((out / "manifest.json").read_text())
    assert written["classes"] == list(CLASSES) and written["task"] == "shift"
    assert written["configuration"]["depth"] == 4 and written["steps"] == 3
    assert written["data"]["counts"]["train"] == {c: 6 for c in CLASSES}
    low, high = written["accuracy_after"]["interval"]
    assert low <= written["accuracy_after"]["accuracy"] <= high
    assert written["command"].startswith("advisor update --model mobilenet_v3_small_050")
    assert manifest.memory.measured_peak_rss_bytes > 0 and manifest.memory.allocator_set
    # the process's own baseline, measured: at least the interpreter and torch (a test
    # process holds far more, so no upper bound here: benchmarks/process_baseline.py)
    assert manifest.memory.process_baseline_bytes > 100 * 2**20


def test_update_safetensors_is_the_predicted_storage_to_the_byte(lora_run):
    from advisor.config import Config
    from advisor.cost import profile_config

    out, manifest = lora_run
    size = (out / "update.safetensors").stat().st_size
    cost = profile_config(MODEL, Config(method="lora", rank=4, depth=4), 6, 32, len(CLASSES))
    assert size == manifest.storage.predicted_bytes == cost.storage_bytes


def test_peft_folder_merged_model_and_update_state_give_the_same_logits(lora_run, weights):
    from peft import PeftModel

    from advisor.config import Config
    from advisor.updater.prepared import prepare

    out, _ = lora_run
    x = _batch()
    merged = _plain(out / "model.safetensors")
    base = build_model(SPEC, len(CLASSES))
    base.load_state_dict(torch.load(weights, weights_only=True))
    unmerged = PeftModel.from_pretrained(base, str(out / "adapter")).eval()
    again = build_model(SPEC, len(CLASSES))
    again.load_state_dict(torch.load(weights, weights_only=True))
    applied = prepare(again, Config(method="lora", rank=4, depth=4)).module
    missing = applied.load_state_dict(load_file(str(out / "update.safetensors")), strict=False)
    assert not missing.unexpected_keys
    applied.eval()
    with torch.no_grad():
        a, b, c = merged(x), unmerged(x), applied(x)
    assert torch.allclose(a, b, atol=1e-4) and torch.allclose(b, c, atol=1e-6)


@pytest.mark.slow
def test_dora_with_a_new_head_loads_onto_a_base_with_the_new_class_count(images, tmp_path):
    from conftest import write_weights
    from peft import PeftModel

    start = write_weights(tmp_path / "five.pt", classes=5)
    out = tmp_path / "out"
    manifest = update(MODEL, images, out, weights=str(start),
                      config={**QUICK, "method": "dora", "rank": 4, "depth": 2})
    assert manifest.task == "unseen"  # 5 outputs, 3 classes: a new head by default
    base = build_model(SPEC, 5)
    base.load_state_dict(torch.load(start, weights_only=True))
    replace_head(base, SPEC, len(CLASSES))
    unmerged = PeftModel.from_pretrained(base, str(out / "adapter")).eval()
    with torch.no_grad():
        assert torch.allclose(_plain(out / "model.safetensors")(_batch()), unmerged(_batch()),
                              atol=1e-4)
    assert (out / "update.safetensors").stat().st_size == manifest.storage.predicted_bytes


@pytest.mark.parametrize("config", [
    pytest.param({"method": "bias", "micro_batch": 3}, marks=pytest.mark.slow),
    pytest.param({"method": "full", "checkpointing": True}, marks=pytest.mark.slow),
    pytest.param({"method": "galore", "rank": 2, "depth": 3}, marks=pytest.mark.slow)],
    ids=["bias-micro-batch", "full-checkpointing", "galore-depth"])
def test_other_methods_write_a_plain_model_and_the_predicted_storage(images, weights, tmp_path,
                                                                     config):
    out = tmp_path / "out"
    manifest = update(MODEL, images, out, weights=str(weights), config={**QUICK, **config})
    assert not (out / "adapter").exists() and manifest.peft is None
    assert (out / "update.safetensors").stat().st_size == manifest.storage.predicted_bytes
    trained = load_file(str(out / "update.safetensors"))
    plain = _plain(out / "model.safetensors").state_dict()
    for name, tensor in trained.items():  # the update is inside the deployable model
        assert torch.equal(plain[name], tensor), name


@pytest.mark.slow
def test_a_previous_update_is_updated_again_and_its_classes_are_checked(lora_run, images,
                                                                        tmp_path):
    out, _ = lora_run
    again = update(MODEL, images, tmp_path / "again", weights=str(out / "model.safetensors"),
                   config={**QUICK, "method": "head"})
    assert again.task == "shift" and again.configuration["resolution"] == 32
    renamed = write_images(tmp_path / "renamed", classes=("cat", "dog", "emu"))
    with pytest.raises(AdvisorError, match="--task shift keeps the head, whose classes"):
        update(MODEL, renamed, tmp_path / "no", weights=str(out / "model.safetensors"),
               config={**QUICK, "method": "head"}, task="shift")
    assert not (tmp_path / "no").exists()
    new_head = update(MODEL, renamed, tmp_path / "unseen", weights=str(out / "model.safetensors"),
                      config={**QUICK, "method": "head"})
    assert new_head.task == "unseen"


def test_evaluate_gives_the_manifests_accuracy_after(lora_run, images, capsys):
    from advisor.cli.main import main

    out, manifest = lora_run
    assert main(["evaluate", "--model", MODEL, "--weights", str(out / "model.safetensors"),
                 "--images", str(images), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == manifest.accuracy_after.accuracy
    assert [c["name"] for c in result["per_class"]] == list(CLASSES)
    assert sum(c["images"] for c in result["per_class"]) == 6
