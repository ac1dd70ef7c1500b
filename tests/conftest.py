"""Shared fixtures. Pretrained checkpoints live in advisor's normal cache (ADVISOR_CACHE_DIR or
the user cache), so the whole suite — and every later run — pays source pretraining once."""

import os

import pytest
import torch

os.environ.setdefault("ADVISOR_NO_PROGRESS", "1")
os.environ.setdefault("ADVISOR_THREADS", "2")  # the CLI's choice fixed (tests/test_threads.py)
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def unseen_task():
    from advisor.training.tasks import load_task

    return load_task("unseen")


@pytest.fixture(scope="session")
def shift_task():
    from advisor.training.tasks import load_task

    return load_task("shift")


@pytest.fixture(scope="session")
def recorded_study(tmp_path_factory):
    """A study (SQLite file) seeded with real trial results recorded on 2026-11-23
    (mobilenet_v3_small, unseen, 4 epochs; tests/data), so tests that need a study's evidence
    train nothing. Returns the file path."""
    import json
    from pathlib import Path

    from advisor.study.search import seed_study

    path = tmp_path_factory.mktemp("recorded") / "study.db"
    results = Path(__file__).parent / "data" / "mobilenet_v3_small-unseen-e4-results.json"
    seed_study(json.loads(results.read_text()), f"sqlite:///{path}")
    return path


@pytest.fixture
def user_error(capsys):
    """Runs ``advisor`` with ``argv`` and returns the one line a user error gives, after
    checking it is one: exit status 2, one line on stderr, no traceback."""
    from advisor.cli.main import main

    def run(argv: list[str]) -> str:
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert code == 2, err
        assert len(lines) == 1 and "Traceback" not in err, err
        return lines[0]

    return run
