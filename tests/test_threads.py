"""Torch's threads: the cores free when a training command starts (advisor/threads.py)."""

import json
import os

import pytest

from advisor import threads


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ADVISOR_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "_chosen", [])
    monkeypatch.setattr(threads, "_cores", lambda: 4)
    monkeypatch.setattr("torch.set_num_threads", lambda n: None)  # the session's stay as set
    yield tmp_path
    os.environ.pop("OMP_NUM_THREADS", None)


def test_a_setting_decides(fresh, monkeypatch):
    monkeypatch.setenv("ADVISOR_THREADS", "3")
    assert threads.choose() == 3 and os.environ["OMP_NUM_THREADS"] == "3"


def test_cores_busy_with_other_processes_are_left_to_them(fresh, monkeypatch):
    monkeypatch.setattr(threads, "busy_cores", lambda: 1.2)
    assert threads.choose() == 3


def test_threads_other_live_advisor_processes_announced_are_left_to_them(fresh, monkeypatch):
    monkeypatch.setattr(threads, "busy_cores", lambda: 0.0)  # they have not started computing
    (fresh / "threads.json").write_text(json.dumps({str(os.getppid()): 3, "999999999": 4}))
    assert threads.choose() == 1  # the dead process's 4 are not counted, the live one's 3 are
    announced = json.loads((fresh / "threads.json").read_text())
    assert announced == {str(os.getppid()): 3, str(os.getpid()): 1}


def test_never_fewer_than_one_thread_and_chosen_once(fresh, monkeypatch):
    monkeypatch.setattr(threads, "busy_cores", lambda: 8.0)
    assert threads.choose() == 1
    monkeypatch.setattr(threads, "busy_cores", lambda: 0.0)
    assert threads.choose() == 1


def test_busy_cores_is_measured_within_the_machine():
    assert 0.0 <= threads.busy_cores(0.05) <= (os.cpu_count() or 1) + 0.5
