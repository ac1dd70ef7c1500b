"""Shared fixtures. Pretrained checkpoints live in advisor's normal cache (ADVISOR_CACHE_DIR or
the user cache), so the whole suite — and every later run — pays source pretraining once."""

import os

import pytest
import torch

os.environ.setdefault("ADVISOR_NO_PROGRESS", "1")
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def unseen_task():
    from advisor.tasks import load_task

    return load_task("unseen")


@pytest.fixture(scope="session")
def shift_task():
    from advisor.tasks import load_task

    return load_task("shift")
