"""A killed update resumed from its last checkpoint ends with the weights of an uninterrupted
run, bit for bit; Ctrl-C says how to go on; a changed run is not resumed."""

import pytest
from conftest import MODEL, write_images

from advisor.updater.job import update

LORA = {"method": "lora", "rank": 4, "depth": 3, "epochs": 2, "batch_size": 6,
        "resolution": 32}


class Killed(Exception):
    pass


def _kill_after_first_epoch(done: int) -> None:
    if done == 1:
        raise Killed


def _outputs(out):
    """Every tensor written, and the bytes of update.safetensors (which has no metadata: the
    others' metadata may be written in any order)."""
    from safetensors import safe_open

    found = {"bytes": (out / "update.safetensors").read_bytes()}
    for name in ("update.safetensors", "model.safetensors", "adapter/adapter_model.safetensors"):
        if (out / name).exists():
            with safe_open(str(out / name), "pt") as f:
                found[name] = (f.metadata(), {k: f.get_tensor(k) for k in f.keys()})  # noqa: SIM118
    return found


def _equal(a, b) -> bool:
    import torch

    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b


@pytest.mark.parametrize("config", [
    LORA, pytest.param({**LORA, "method": "galore", "rank": 2, "micro_batch": 3},
                       marks=pytest.mark.slow)], ids=["lora", "galore-micro-batch"])
@pytest.mark.slow
def test_a_killed_and_resumed_update_equals_an_uninterrupted_one(images, weights, tmp_path,
                                                                 config):
    whole = update(MODEL, images, tmp_path / "whole", weights=str(weights), config=config)
    with pytest.raises(Killed):
        update(MODEL, images, tmp_path / "cut", weights=str(weights), config=config,
               on_epoch=_kill_after_first_epoch)
    assert (tmp_path / "cut" / "checkpoint.pt").is_file()
    assert not (tmp_path / "cut" / "model.safetensors").exists()
    resumed = update(MODEL, images, tmp_path / "cut", weights=str(weights), config=config,
                     resume=True)
    assert resumed.steps == whole.steps == 6
    first, second = _outputs(tmp_path / "whole"), _outputs(tmp_path / "cut")
    assert len(first) >= 3 and _equal(first, second)  # bit for bit
    assert resumed.accuracy_after == whole.accuracy_after


@pytest.fixture(scope="module")
def cut(images, weights, tmp_path_factory):
    """An update stopped after its first epoch of two."""
    out = tmp_path_factory.mktemp("cut") / "out"
    with pytest.raises(Killed):
        update(MODEL, images, out, weights=str(weights), config=LORA,
               on_epoch=_kill_after_first_epoch)
    return out


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("change,fragment", [
    ({"lr": "0.01"}, "the configuration changed since the update in"),
    ({"images": "more"}, "the images changed since"),
    ({"images": "other"}, "(the same counts, other files or contents)"),
    ({"weights": "other"}, "the weights changed since"),
], ids=["lr", "more-images", "other-images", "other-weights"])
def test_resume_refuses_a_changed_run_in_one_line(cut, images, weights, tmp_path, capsys,
                                                  change, fragment):
    from conftest import write_weights

    from advisor.cli.main import main

    folders = {"more": write_images(tmp_path / "more", train=7),
               "other": write_images(tmp_path / "other", seed=3)}
    start = str(write_weights(tmp_path / "w.pt", classes=3) if "weights" in change else weights)
    with open(start, "ab") as f:  # other bytes, same tensors: still other weights
        f.write(b"\0" if "weights" in change else b"")
    argv = ["update", "--model", MODEL, "--weights", start, "--out", str(cut),
            "--images", str(folders.get(change.get("images"), images)), "--resume",
            "--method", "lora", "--rank", "4", "--depth", "3", "--epochs", "2",
            "--batch-size", "6", "--resolution", "32", *(["--lr", change["lr"]] if "lr" in
                                                          change else [])]
    before = _snapshot(cut)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0] and "--resume" in err[0], err
    assert _snapshot(cut) == before
    if "lr" in change:
        assert "(lr 0.005 -> 0.01)" in err[0]
    if change.get("images") == "more":
        assert "(train: 18 -> 21 images)" in err[0]


def test_ctrl_c_says_how_to_resume(images, weights, tmp_path, capsys, monkeypatch):
    from advisor.cli.main import main
    from advisor.updater import prepared

    def interrupt(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr(prepared.PreparedUpdate, "step_batches", interrupt)
    argv = ["update", "--model", MODEL, "--weights", str(weights), "--images", str(images),
            "--out", str(tmp_path / "out"), "--method", "lora", "--rank", "4", "--depth", "3",
            "--epochs", "2", "--batch-size", "6", "--resolution", "32"]
    assert main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0] and "0 of 2 epochs" in err[0], err
