"""Every bad input a user can give: one line on stderr, nothing on stdout, exit 2, no
traceback, nothing started, nothing of the user's changed. One row per input: (argv, a
fragment the line must contain).

``{w}`` in an argument is the test's folder, where the user's files lie: a device profile with
comments, a SQLite database of their own, a file at an export path, a FIFO, a directory, image
folders and weights files, good and bad. Every kind of file advisor reads is here: device
TOML, studies (journal files, SQLite), weights, image folders, Fashion-MNIST folders (the
exported recipe, read by advisor update: tests/updater/ and tests/decision/test_recipe.py).
A storage path (no ``://``) is an Optuna journal file; a URL a database.
"""

import os
import sqlite3

import pytest
import torch
from PIL import Image

from advisor.cli.main import main

BOARD = '''# my board, my comments
id = "my-board"
name = "My board"
kind = "sbc"
ram = "2 GiB"
usable_ram = "1.5 GiB"
flash = "16 GB"
sources = ["my datasheet"]
[compute]
processor = "4x A55"
fp32_peak_gflops = 20
training_gflops = 2
training_gflops_basis = "guess"
'''
R = ["recommend", "--device", "jetson-nano"]
P = ["profile", "--model", "mobilenet_v3_small", "--batch-size", "2", "--resolution", "32"]
T = ["trial", "--model", "mobilenet_v3_small", "--epochs", "1", "--resolution", "16"]
B = ["benchmark", "--out", "{w}/report", "--models", "mobilenet_v3_small"]

CASES = [
    # device files
    (["recommend", "--device", "nosuch"], "unknown device 'nosuch'"),
    (["recommend", "--device", "{w}/folder"], "not a regular file"),
    (["recommend", "--device", "{w}/fifo.toml"], "not a regular file"),
    (["recommend", "--device", "{w}/missing.toml"], "not found"),
    (["recommend", "--device", "{w}/syntax.toml"], "not valid TOML"),
    (["recommend", "--device", "{w}/binary.toml"], "not UTF-8"),
    (["recommend", "--device", "{w}/ram-true.toml"], "not true/false"),
    (["recommend", "--device", "{w}/ram-negative.toml"], "ram"),
    (["recommend", "--device", "{w}/ram-zero.toml"], "more than 0 bytes"),
    (["recommend", "--device", "{w}/no-sources.toml"], "sources"),
    (["recommend", "--device", "{w}/extra-key.toml"], "bogus"),
    (["recommend", "--device", "{w}/usable-over-total.toml"], "cannot exceed ram"),
    (["recommend", "--device", ""], "must not be empty"),
    (["recommend", "--device", "{w}/huge.toml"], "bytes: not a device file"),
    (["recommend", "--device", "{w}/null.toml"], "not a regular file"),
    # recommend's own flags: 0 is a value
    ([*R, "--model", "nosuch"], "unknown model"),
    ([*R, "--task", "nosuch"], "invalid choice"),
    ([*R, "--max-memory", "0"], "more than 0 bytes"),
    ([*R, "--max-memory", "0.5"], "more than 0 bytes"),
    ([*R, "--max-memory", "-1"], "max_memory"),
    ([*R, "--max-memory", "lots"], "max_memory"),
    ([*R, "--max-flash", "0"], "more than 0 bytes"),
    ([*R, "--max-flash", "true"], "max_flash"),
    ([*R, "--min-accuracy", "1.5"], "min_accuracy"),
    ([*R, "--min-accuracy", "-0.1"], "min_accuracy"),
    ([*R, "--min-accuracy", "nan"], "min_accuracy"),
    ([*R, "--max-update-time", "0"], "max_update_time"),
    ([*R, "--max-update-time", "-5"], "max_update_time"),
    ([*R, "--max-update-time", "inf"], "finite"),
    ([*R, "--batch-size", "0"], "--batch-size must be"),
    ([*R, "--batch-size", "-1"], "--batch-size must be"),
    ([*R, "--resolution", "0"], "--resolution must be"),
    ([*R, "--resolution", "100000"], "--resolution must be"),
    ([*R, "--samples", "0"], "--samples must be"),
    ([*R, "--samples", "-1000"], "--samples must be"),
    ([*R, "--study", ""], "--study must not be empty"),
    ([*R, "--storage", ""], "--storage must not be empty"),
    # storages: never a user's database, never created to be read
    ([*R, "--storage", "sqlite:///{w}/mine.db"], "not an Optuna study"),
    ([*R, "--storage", "sqlite:///{w}/folder"], "not a regular file"),
    ([*R, "--storage", "sqlite:///{w}/board.toml"], "not an SQLite database"),
    ([*R, "--storage", "{w}/board.toml"], "not an Optuna journal"),
    ([*R, "--storage", "{w}/folder"], "not a regular file"),
    ([*R, "--storage", "{w}/nowhere/studies.journal"], "is not a folder"),
    ([*R, "--storage", "nosuchdb://x"], "cannot open study storage"),
    (["search", "--trials", "1", "--storage", "sqlite:///{w}/mine.db"], "not an Optuna study"),
    # exports: never over a file advisor did not write
    ([*R, "--export", "{w}/board.toml"], "refusing to overwrite"),
    ([*R, "--export", "{w}/mine.db.json"], "refusing to overwrite"),
    ([*R, "--export", "{w}/folder.json"], "not a regular file"),
    (["recommend", "--device", "{w}/board.toml", "--export", "{w}/board"],
     "refusing to overwrite"),
    ([*R, "--export", "{w}/choice.yaml"], "use a .json or .toml file"),
    ([*R, "--export", "{w}/choice.json.bak"], "use a .json or .toml file"),
    ([*R, "--export", "{w}/board.toml/choice.json"], "is not a folder"),
    ([*R, "--export", "{w}/board.toml/deeper/choice"], "is not a folder"),
    # profile
    ([*P, "--method", "nosuch"], "invalid choice"),
    ([*P, "--rank", "0"], "rank"),
    ([*P, "--rank", "-1"], "rank"),
    ([*P, "--depth", "999"], "depth"),
    ([*P, "--depth", "banana"], "depth"),
    ([*P, "--micro-batch", "3"], "does not divide"),
    ([*P, "--micro-batch", "0"], "micro_batch"),
    ([*P, "--num-classes", "1"], "--num-classes"),
    ([*P, "--method", "lora", "--rank", "8", "--targets", "all"], "rank"),
    (["profile", "--batch-size", "0"], "--batch-size must be"),
    (["profile", "--resolution", "7"], "--resolution must be"),
    (["profile", "--model", "nosuch"], "unknown model"),
    (["profile", "--real", "--batch-size", "4096", "--resolution", "512"], "GiB free"),
    # trial
    ([*T, "--epochs", "0"], "epochs"),
    ([*T, "--dataset", "{w}/nowhere"], "unknown dataset"),
    ([*T, "--dataset", "imagefolder:{w}/nowhere"], "nowhere"),
    ([*T, "--dataset", "fashion-mnist:{w}/folder"], "Fashion-MNIST not found"),
    ([*T, "--task", "shift", "--corruption", "nosuch"], "unknown corruption"),
    ([*T, "--task", "unseen", "--corruption", "contrast"], "--task shift only"),
    ([*T, "--severity", "3"], "--task shift only"),
    ([*T, "--task", "shift", "--severity", "0"], "severity"),
    ([*T, "--seed", str(2 ** 70)], "seed"),
    ([*T, "--seed", "-1"], "seed"),
    ([*T, "--batch-size", "0"], "batch_size"),
    ([*T, "--weights", "{w}/missing.pt"], "not found"),
    ([*T, "--weights", "{w}/board.toml"], "not a loadable state dict"),
    # weights files
    ([*T, "--weights", "{w}/head-int.pt"], "is a value of type int"),
    ([*T, "--weights", "{w}/head-0d.pt"], "is a 0-d tensor"),
    ([*T, "--weights", "{w}/head-1d.pt"], "is a 1-d tensor"),
    ([*T, "--weights", "{w}/head-features.pt"], "has shape (5, 7)"),
    ([*T, "--weights", "{w}/head-empty.pt"], "classes >= 1"),
    ([*T, "--weights", "{w}/a-list.pt"], "expected a state dict"),
    ([*T, "--weights", "{w}/int-keys.pt"], "not a parameter name"),
    ([*T, "--weights", "{w}/resnet18.pt"], "is this a mobilenet_v3_small checkpoint"),
    ([*T, "--weights", "{w}/head-only.pt"], "does not match mobilenet_v3_small"),
    ([*T, "--weights", "{w}/nan.pt"], "NaN or inf"),
    ([*T, "--weights", "{w}/fifo.toml"], "not a regular file"),
    ([*T, "--weights", "{w}/folder"], "not a regular file"),
    ([*T, "--weights", "imagenet"], "not in torchvision's cache"),  # offline (the test's proxy)
    # image folders: an image that cannot be read is refused (not skipped); too few per class
    ([*T, "--dataset", "imagefolder:{w}/images-corrupt"], "1 of 10 image files cannot be read"),
    ([*T, "--dataset", "imagefolder:{w}/images-truncated"], "truncated"),
    ([*T, "--dataset", "imagefolder:{w}/images-fifo"], "not a regular file"),
    ([*T, "--dataset", "imagefolder:{w}/images-tiny"], "needs at least 4"),
    ([*T, "--task", "shift", "--dataset", "imagefolder:{w}/images-6"], "needs at least 12"),
    ([*T, "--dataset", "imagefolder:{w}/images-one-class"], "at least 2 class folders"),
    ([*T, "--dataset", "imagefolder:{w}/images-empty-class"], "not an ImageFolder tree"),
    ([*T, "--dataset", "imagefolder:{w}/folder"], "not an ImageFolder tree"),
    (["search", "--dataset", "imagefolder:{w}/images-truncated", "--storage",
      "{w}/new.journal"], "truncated"),
    (["search", "--dataset", "imagefolder:{w}/images-tiny", "--storage", "{w}/new.journal"],
     "too few images"),
    ([*R, "--dataset", "imagefolder:{w}/images-corrupt"], "cannot be read"),
    ([*R, "--dataset", "imagefolder:{w}/images-tiny"], "too few images"),
    (["tui", "--dataset", "imagefolder:{w}/images-corrupt"], "cannot be read"),
    ([*T, "--dataset", "fashion-mnist:{w}/fashion-garbage"], "could not be read"),
    # numbers, bounded before any work
    ([*T, "--rank", "2000"], "widest layer of mobilenet_v3_small, 1024 channels"),
    ([*P, "--rank", "4000"], "widest layer"),
    ([*T, "--method", "full", "--batch-size", "1"], "--batch-size 1 cannot train full"),
    ([*P, "--method", "norm_head", "--micro-batch", "1"], "--micro-batch 1 cannot train"),
    ([*P, "--num-classes", str(10 ** 20)], "--num-classes must be 2..100000"),
    (["search", "--trials", "1000000000"], "--trials must be 1..10000"),
    (["search", "--jobs", "1000000"], "--jobs must be 1.."),
    (["benchmark", "--ranks", "1000000000", "--methods", "lora", "--out", "{w}/report"],
     "ranks must be 1..4096"),
    ([*B, "--ranks", "2000", "--methods", "lora"], "1024 channels"),
    (["benchmark", "--out", "{w}/report", "--models", "resnet18,mnv3s", "--ranks", "1100"],
     "every model named (the widest: mobilenet_v3_small's), 1024 channels"),
    ([*B, "--ranks", "0"], "ranks must be 1..4096"),
    ([*B, "--depths", "0"], "1..64"),
    ([*B, "--depths", "65"], "1..64"),
    ([*B, "--cost-batch-size", "1", "--cost-resolution", "32"], "--cost-batch-size 1"),
    # search, benchmark, tui, the parser
    (["search", "--trials", "0"], "--trials must be"),
    (["search", "--trials", "-1"], "--trials must be"),
    (["search", "--jobs", "0"], "--jobs must be"),
    (["search", "--epochs", "0"], "--epochs must be 1..1000"),
    (["search", "--jobs", "2", "--storage", "sqlite:///{w}/new.db"], "SQLite does not"),
    (["search", "--storage", "{w}/mine.db"], "not an Optuna journal"),
    (["search", "--dataset", "cifar10"], "unknown dataset"),
    (["search", "--device", "nosuch", "--storage", "{w}/new.journal"], "unknown device 'nosuch'"),
    (["search", "--device", "{w}/syntax.toml", "--storage", "{w}/new.journal"], "not valid TOML"),
    (["search", "--dataset", "digits:{w}/folder"], "unknown dataset"),
    (["search", "--dataset", "imagefolder:{w}/nowhere"], "dataset folder not found"),
    ([*R, "--dataset", "nosuch"], "unknown dataset"),
    ([*R, "--dataset", "cifar10:{w}/nowhere"], "dataset folder not found"),
    ([*R, "--dataset", ""], "must not be empty"),
    (["tui", "--dataset", "imagefolder"], "unknown dataset"),
    ([*B, "--ranks", "a,b"], "--ranks"),
    ([*B, "--models", "nosuch"], "model"),
    ([*B, "--depths", "weird"], "depth"),
    ([*B, "--epochs", "0"], "epochs"),
    (["benchmark", "--out", "{w}/board.toml", "--quick"], "output folder"),
    (["tui"], "needs a terminal"),
    (["devices", "extra"], "unrecognized arguments"),
    (["nosuch"], "invalid choice"),
    ([], "required"),
]


@pytest.fixture(scope="module")
def users_files(tmp_path_factory):
    """The user's folder: files of their own (which must stay as they are) and bad ones."""
    w = tmp_path_factory.mktemp("user")
    (w / "board.toml").write_text(BOARD)
    (w / "folder").mkdir()
    (w / "folder.json").mkdir()
    os.mkfifo(w / "fifo.toml")
    (w / "syntax.toml").write_text("id = \n")
    (w / "binary.toml").write_bytes(b"\xff\xfe\x00 not text")
    for name, old, new in [("ram-true", 'ram = "2 GiB"', "ram = true"),
                           ("ram-negative", 'ram = "2 GiB"', "ram = -5"),
                           ("ram-zero", 'usable_ram = "1.5 GiB"', 'usable_ram = "0 B"'),
                           ("no-sources", 'sources = ["my datasheet"]', ""),
                           ("extra-key", "[compute]", 'bogus = 1\n[compute]'),
                           ("usable-over-total", 'usable_ram = "1.5 GiB"',
                            'usable_ram = "3 GiB"')]:
        (w / f"{name}.toml").write_text(BOARD.replace(old, new))
    with sqlite3.connect(w / "mine.db") as db:
        db.execute("create table people (name text)")
    (w / "mine.db.json").write_text('{"my": "data"}\n')
    (w / "huge.toml").write_text(BOARD + "#" * (5 * 2**20))
    (w / "null.toml").symlink_to("/dev/null")
    _weights(w)
    _images(w)
    (w / "fashion-garbage").mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (w / "fashion-garbage" / name).write_bytes(b"not an IDX file")
    return w


def _weights(w):
    from advisor.zoo import build_model, resolve_model

    state = build_model(resolve_model("mobilenet_v3_small"), 5).state_dict()
    head = "classifier.3.weight"
    for name, value in [("head-int", {head: 5}), ("head-0d", {head: torch.tensor(1.0)}),
                        ("head-1d", {head: torch.zeros(5)}),
                        ("head-features", {head: torch.zeros(5, 7)}),
                        ("head-empty", {head: torch.zeros(0, 1024)}),
                        ("a-list", [torch.zeros(2)]), ("int-keys", {1: torch.zeros(2)}),
                        ("resnet18", {"fc.weight": torch.zeros(5, 512)}),
                        ("head-only", {head: torch.zeros(5, 1024)}),
                        ("nan", {**state, "features.0.0.weight": torch.full_like(
                            state["features.0.0.weight"], float("nan"))})]:
        torch.save(value, w / f"{name}.pt")


def _images(w):
    """Image folders: class folders of small PNGs, each with one defect."""
    def folder(name, per_class, classes=("a", "b", "c")):
        for c in classes:
            (w / name / c).mkdir(parents=True)
            for i in range(per_class):
                Image.new("RGB", (12, 12), (40 * i, 80, 120)).save(w / name / c / f"{i}.png")
        return w / name

    (folder("images-corrupt", 3) / "a" / "bad.png").write_bytes(b"not a png")
    good = (w / "images-corrupt" / "a" / "0.png").read_bytes()
    (folder("images-truncated", 6) / "b" / "cut.png").write_bytes(good[: len(good) // 2])
    os.mkfifo(folder("images-fifo", 6) / "c" / "fifo.png")
    folder("images-tiny", 1, ("a", "b"))
    folder("images-6", 6, ("a", "b"))
    folder("images-one-class", 6, ("a",))
    (folder("images-empty-class", 6) / "d").mkdir()


def _snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*")) if not p.is_fifo()}


@pytest.mark.parametrize("argv,fragment", CASES,
                         ids=[" ".join(a).replace("{w}/", "")[-50:] or "(nothing)"
                              for a, _ in CASES])
def test_bad_input_gets_one_line_exit_2_and_changes_nothing(argv, fragment, users_files,
                                                           capsys, monkeypatch, tmp_path):
    import optuna

    import advisor.training.pretrain
    import advisor.training.trial

    def started(*_, **__):
        raise AssertionError("bad input started real work")

    monkeypatch.setattr(optuna.Study, "optimize", started)
    monkeypatch.setattr(advisor.training.trial, "train_epochs", started)
    monkeypatch.setattr(advisor.training.pretrain, "_pretrain", started)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # no ImageNet weights cached
    for proxy in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")  # offline, whatever the machine
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    before = _snapshot(users_files)
    argv = [a.replace("{w}", str(users_files)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert out == "", out
    assert len(lines) == 1 and "Traceback" not in err, err
    assert fragment in lines[0], lines[0]
    assert _snapshot(users_files) == before


def test_the_table_covers_at_least_140_inputs():
    assert len(CASES) >= 140
