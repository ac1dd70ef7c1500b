"""Shared fixtures. Pretrained checkpoints live in advisor's normal cache (ADVISOR_CACHE_DIR or
the user cache), so the whole suite — and every later run — pays source pretraining once."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
import torch

os.environ.setdefault("ADVISOR_NO_PROGRESS", "1")
os.environ.setdefault("ADVISOR_THREADS", "2")  # the CLI's choice fixed (tests/test_threads.py)
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


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


@pytest.fixture(scope="module")
def benchmark_script():
    """``load(name)`` imports benchmarks/<name>.py (the scripts are not a package) as the module
    ``<name>_benchmark``: in sys.modules while the test module runs (a script's dataclasses
    look their module up there) and with benchmarks/ on sys.path (scripts import their
    siblings by name); both undone after."""
    loaded: list[str] = []
    sys.path.insert(0, str(BENCHMARKS))

    def load(name: str):
        spec = importlib.util.spec_from_file_location(f"{name}_benchmark",
                                                      BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        loaded.append(spec.name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)
    sys.path.remove(str(BENCHMARKS))
