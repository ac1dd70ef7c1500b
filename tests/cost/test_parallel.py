"""Many profiles run across worker processes, and give exactly what this process gives."""

import pytest

from advisor.config import Config
from advisor.cost import parallel

CONFIGS = [Config(method="head"), Config(method="bias"),
           Config(method="lora", rank=4, targets="no-depthwise"), Config(method="full", depth=1)]


def _without_timing(cost: dict) -> dict:
    """A profile's figures, less how long profiling took (which no two runs share)."""
    if isinstance(cost, dict):
        return {k: _without_timing(v) for k, v in cost.items() if k != "seconds"}
    return cost


def _todo() -> dict:
    return {f"k{i}": (c, 1 + i % 2) for i, c in enumerate(CONFIGS)}


def test_few_profiles_stay_in_this_process_and_a_pools_worker_starts_none(monkeypatch):
    assert parallel.workers_for(parallel.MIN_PARALLEL - 1) == 1
    monkeypatch.setenv("ADVISOR_THREADS", "2")
    monkeypatch.setattr(parallel.multiprocessing.current_process(), "daemon", True,
                        raising=False)
    assert parallel.workers_for(10 * parallel.MIN_PARALLEL) == 1


@pytest.mark.slow
def test_profiles_across_workers_equal_this_process_s(monkeypatch):
    serial = {key: _without_timing(cost) for key, _, cost in
              parallel.profiles("mobilenet_v3_small", _todo(), 32, 5, 1)}
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 2)
    monkeypatch.setattr("advisor.threads.choose", lambda: 2)
    assert parallel.workers_for(len(CONFIGS)) == 2
    spread = {key: _without_timing(cost) for key, _, cost in
              parallel.profiles("mobilenet_v3_small", _todo(), 32, 5, 2)}
    assert spread == serial
