"""Every bad input a user can give: one line on stderr, exit 2, no traceback, nothing started,
nothing of the user's changed. One row per input: (argv, a fragment the line must contain).

``{w}`` in an argument is the test's folder, where the user's files lie: a device profile with
comments, a SQLite database of their own, a file at an export path, a FIFO, a directory.
A storage path (no ``://``) is an Optuna journal file; a URL a database.
"""

import os
import sqlite3

import pytest

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
    # search, benchmark, tui, the parser
    (["search", "--trials", "0"], "--trials must be"),
    (["search", "--trials", "-1"], "--trials must be"),
    (["search", "--jobs", "0"], "--jobs must be"),
    (["search", "--jobs", "2", "--storage", "sqlite:///{w}/new.db"], "SQLite does not"),
    (["search", "--storage", "{w}/mine.db"], "not an Optuna journal"),
    (["search", "--dataset", "cifar10"], "unknown dataset"),
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
    return w


def _snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*")) if not p.is_fifo()}


@pytest.mark.parametrize("argv,fragment", CASES,
                         ids=[" ".join(a).replace("{w}/", "")[-50:] or "(nothing)"
                              for a, _ in CASES])
def test_bad_input_gets_one_line_exit_2_and_changes_nothing(argv, fragment, users_files,
                                                           capsys, monkeypatch):
    import optuna

    import advisor.training.pretrain
    import advisor.training.trial

    def started(*_, **__):
        raise AssertionError("bad input started real work")

    monkeypatch.setattr(optuna.Study, "optimize", started)
    monkeypatch.setattr(advisor.training.trial, "train_epochs", started)
    monkeypatch.setattr(advisor.training.pretrain, "_pretrain", started)
    before = _snapshot(users_files)
    argv = [a.replace("{w}", str(users_files)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert fragment in lines[0], lines[0]
    assert _snapshot(users_files) == before


def test_the_table_covers_at_least_60_inputs():
    assert len(CASES) >= 60
