"""Every bad input to advisor update and evaluate: one line on stderr, exit 2, no traceback,
no training, nothing written (OUT/ not created) and the user's files as they were. One row per
input: (argv, a fragment the line must contain); ``{w}`` is the user's folder."""

import json
import os

import pytest
import torch
from conftest import MODEL, write_images, write_weights

from advisor.cli.main import main

U = ["update", "--model", MODEL, "--weights", "{w}/start.pt", "--out", "{w}/new",
     "--epochs", "1", "--batch-size", "6", "--resolution", "32"]
GOOD = [*U, "--images", "{w}/images"]

CASES = [
    # the images
    ([*U, "--images", "{w}/missing"], "not a folder"),
    ([*U, "--images", "{w}/one"], "one class ('cat')"),
    ([*U, "--images", "{w}/empty"], "no images in"),
    ([*U, "--images", "{w}/nothing"], "no class folders"),
    ([*U, "--images", "{w}/corrupt"], "2 of 20 images cannot be read, e.g."),
    ([*U, "--images", "{w}/extra-val"], "has class 'emu' that"),
    ([*U, "--images", "{w}/no-val"], "only one of train/ and val/"),
    ([*GOOD, "--val-fraction", "0.2"], "is split already"),
    ([*U, "--images", "{w}/flat", "--val-fraction", "1.5"], "between 0 and 1"),
    ([*U, "--images", "{w}/flat", "--val-fraction", "0.01"], "no validation images"),
    ([*U, "--images", "{w}/empty-class"], "class 'dog' has no training images"),
    # the weights
    ([*GOOD[:4], "{w}/r18.pt", *GOOD[5:]], "holds resnet18 weights, not mobilenet_v3_small_050"),
    ([*GOOD[:4], "{w}/missing.pt", *GOOD[5:]], "weights file not found"),
    ([*GOOD[:4], "{w}/images", *GOOD[5:]], "not a regular file"),
    ([*GOOD[:4], "{w}/text.pt", *GOOD[5:]], "not a loadable state dict"),
    ([*GOOD[:4], "{w}/list.pt", *GOOD[5:]], "expected a state dict"),
    ([*GOOD[:4], "{w}/text.safetensors", *GOOD[5:]], "not a safetensors file"),
    ([*GOOD[:4], "{w}/pruned.pt", *GOOD[5:]], "is not a mobilenet_v3_small_050 state dict"),
    ([*GOOD[:4], "{w}/nan.safetensors", *GOOD[5:]], "holds NaN or inf values"),
    ([*GOOD[:4], "{w}/five.pt", *GOOD[5:], "--task", "shift"],
     "has 5 outputs; the images have 3"),
    ([*GOOD[:4], "{w}/model.safetensors", *GOOD[5:], "--task", "shift"],
     "whose classes are a, b, c"),
    (["update", "--images", "{w}/images", "--out", "{w}/new"], "which model"),
    # the configuration
    ([*GOOD, "--recipe", "{w}/other-model.json"], "was written for mobilenet_v3_small, not"),
    ([*GOOD, "--recipe", "{w}/recipe-224.json"], "written for resolution 224; --resolution 32"),
    (["update", "--model", MODEL, "--weights", "{w}/model.safetensors", "--out", "{w}/new",
      "--recipe", "{w}/recipe-224.json", "--images", "{w}/images"],
     "written for 224 px; the weights were updated at 32 px"),
    ([*GOOD, "--recipe", "{w}/program.json"], "use advisor program --recipe"),
    ([*GOOD, "--recipe", "{w}/broken.json"], "not valid JSON"),
    ([*GOOD, "--recipe", "{w}/missing.json"], "recipe not found"),
    ([*GOOD, "--recipe", "{w}/recipe-224.json", "--device", "raspberry-pi-4-4gb"],
     "drop --device"),
    ([*GOOD, "--max-memory", "1GiB"], "apply with --device only"),
    ([*GOOD, "--device", "stm32h743"], "stm32h743 is a microcontroller"),
    ([*GOOD, "--device", "nosuch"], "unknown device 'nosuch'"),
    ([*GOOD, "--method", "lora", "--rank", "3", "--targets", "all"], "depthwise"),
    ([*GOOD, "--method", "head", "--rank", "3"], "head has no rank"),
    ([*GOOD, "--micro-batch", "4"], "does not divide"),
    ([*GOOD, "--depth", "99"], "depth"),
    # the memory: both figures, before anything is written
    ([*GOOD, "--method", "full", "--device", "{w}/tiny.toml"], "of RAM on tiny-board"),
    # OUT/
    ([*U[:5], "--out", "{w}/mine", *U[7:], "--images", "{w}/images"],
     "notes.txt is not a file advisor wrote"),
    ([*U[:5], "--out", "{w}/start.pt", *U[7:], "--images", "{w}/images"], "is not a folder"),
    ([*GOOD, "--resume"], "advisor started no update in"),
    # evaluate
    (["evaluate", "--model", MODEL, "--weights", "{w}/start.pt", "--images", "{w}/images"],
     "--resolution: the weights do not say"),
    (["evaluate", "--model", MODEL, "--weights", "{w}/start.pt", "--images", "{w}/corrupt",
      "--resolution", "32"], "cannot be read"),
    (["evaluate", "--model", MODEL, "--weights", "{w}/model.safetensors", "--images",
      "{w}/images"], "class 'cat', which the model does not know"),
]


def _user_folder(w):
    write_images(w / "images")
    write_images(w / "one", classes=("cat",))
    for name in ("cat", "dog"):
        (w / "empty" / name).mkdir(parents=True)
        (w / "empty" / name / "notes.txt").write_text("not an image\n")
    (w / "nothing").mkdir()
    write_images(w / "corrupt", train=4)
    (w / "corrupt" / "train" / "dog" / "4.png").write_bytes(
        (w / "corrupt" / "train" / "dog" / "0.png").read_bytes()[:60])
    (w / "corrupt" / "val" / "owl" / "9.jpg").write_bytes(b"not a jpeg at all")
    write_images(w / "extra-val")
    write_images(w / "extra-val" / "val", classes=("emu",), train=2, split=False)
    write_images(w / "no-val")
    os.rename(w / "no-val" / "val", w / "no-val" / "elsewhere")
    write_images(w / "flat", split=False)
    write_images(w / "empty-class")
    for png in (w / "empty-class" / "train" / "dog").iterdir():
        png.unlink()
    write_weights(w / "start.pt")
    write_weights(w / "r18.pt", model="resnet18")
    write_weights(w / "five.pt", classes=5)
    (w / "text.pt").write_text("my notes\n")
    (w / "text.safetensors").write_text("my notes\n")
    torch.save([1, 2, 3], w / "list.pt")
    state = torch.load(w / "start.pt", weights_only=True)
    torch.save({k: v for k, v in state.items() if not k.startswith("features.0.")},
               w / "pruned.pt")
    from safetensors.torch import save_file

    save_file({k: v.clone() if k != "classifier.3.bias" else v * float("nan")
               for k, v in state.items()}, str(w / "nan.safetensors"))

    save_file(state, str(w / "model.safetensors"),
              metadata={"written_by": "written by advisor (advisor update)",
                        "classes": json.dumps(["a", "b", "c"]), "resolution": "32"})
    configuration = {"method": "lora", "rank": 8, "epochs": 1, "batch_size": 6,
                     "resolution": 224}
    for name, model in (("other-model", "mobilenet_v3_small"), ("recipe-224", MODEL)):
        (w / f"{name}.json").write_text(json.dumps({
            "written_by": "written by advisor (recommend --export)", "model": model,
            "task": "unseen", "device": "raspberry-pi-4-4gb", "configuration": configuration}))
    (w / "program.json").write_text(json.dumps({  # an ExecuTorch recommendation's
        "written_by": "written by advisor (recommend --export)", "model": MODEL,
        "task": "unseen", "device": "raspberry-pi-4-4gb",
        "configuration": configuration | {"resolution": 32, "optimizer": "sgd"}}))
    (w / "broken.json").write_text("{not json")
    (w / "tiny.toml").write_text(TINY)
    (w / "mine").mkdir()
    (w / "mine" / "notes.txt").write_text("mine\n")


TINY = '''id = "tiny-board"
name = "Tiny board"
kind = "sbc"
ram = "64 MiB"
usable_ram = "48 MiB"
flash = "1 GB"
sources = ["a guess"]
[compute]
processor = "1x A7"
fp32_peak_gflops = 2
training_gflops = 1
training_gflops_basis = "guess"
'''


@pytest.fixture(scope="module")
def users_files(tmp_path_factory):
    w = tmp_path_factory.mktemp("user")
    _user_folder(w)
    return w


def _snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def no_real_work(monkeypatch):
    import advisor.updater.job

    def started(*_, **__):
        raise AssertionError("bad input started the update")

    monkeypatch.setattr(advisor.updater.job, "carry_out", started)


@pytest.mark.parametrize("argv,fragment", CASES,
                         ids=[" ".join(a).replace("{w}/", "")[-60:] for a, _ in CASES])
def test_bad_input_gets_one_line_exit_2_and_writes_nothing(argv, fragment, users_files,
                                                           no_real_work, user_error):
    before = _snapshot(users_files)
    line = user_error([a.replace("{w}", str(users_files)) for a in argv])
    assert fragment in line, line
    assert _snapshot(users_files) == before
    assert not (users_files / "new").exists()


def test_the_host_memory_check_gives_both_figures_and_force_passes_it(users_files, monkeypatch,
                                                                      capsys, no_real_work):
    import advisor.updater.memory

    monkeypatch.setattr(advisor.updater.memory, "available_bytes", lambda: 2**20)
    argv = [a.replace("{w}", str(users_files)) for a in GOOD]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "of tensors at its peak" in err and "1.0 MiB free" in err, err
    with pytest.raises(AssertionError, match="started the update"):
        main([*argv, "--force"])
    assert not (users_files / "new").exists()
