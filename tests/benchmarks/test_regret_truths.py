"""The regret benchmark's committed truths (benchmarks/truths/): measured once, replayed by
anyone without training, and never a mix of runs from two pretrained checkpoints."""

import json
import types
from pathlib import Path

import pytest
import torch
from torch import nn

from advisor.config import Config, TrialConfig

TRUTHS = Path(__file__).parents[2] / "benchmarks" / "truths"
RANKS = [2, 8, 32]  # the grid every committed truth was measured on (docs/regret.md)
SEEDS = 3


@pytest.fixture(scope="module")
def truth(benchmark_script):
    return benchmark_script("regret_truth")


def _linear(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Linear(3, 2)


def test_the_weights_digest_follows_the_weights_not_the_object(truth):
    one, same, other = _linear(0), _linear(0), _linear(1)
    assert truth.weights_digest(one) == truth.weights_digest(same)
    assert truth.weights_digest(one) != truth.weights_digest(other)
    with torch.no_grad():
        same.bias[0] += 1e-6
    assert truth.weights_digest(one) != truth.weights_digest(same)


def test_a_truth_takes_no_runs_from_another_checkpoint(truth, tmp_path, monkeypatch):
    from advisor.training import pretrain, tasks

    kept = TrialConfig(method="head", model="resnet18", task="shift", dataset=truth.DATASET,
                       epochs=4, seed=0)
    path = truth.truth_path(tmp_path, "resnet18", "shift", 4)
    truth.write_runs(path, {kept.key(): {"accuracy_after": 0.8}}, "0" * 64)
    before = path.read_bytes()
    monkeypatch.setattr(pretrain, "source_model", lambda *_: types.SimpleNamespace(
        model=_linear(0), source_accuracy=0.9))
    monkeypatch.setattr(tasks, "load_task", lambda *_: None)
    with pytest.raises(SystemExit, match="another pretrained checkpoint"):
        truth.measure_truth("resnet18", "shift", [Config(method="head"), Config(method="bias")],
                            1, 4, 1, tmp_path)
    assert path.read_bytes() == before


def test_a_whole_truth_is_read_back_without_training(truth, tmp_path):
    configs = [Config(method="head"), Config(method="bias")]
    runs = {TrialConfig(**c.model_dump(), model="resnet18", task="shift",
                        dataset=truth.DATASET, epochs=4, seed=s).key():
            {"accuracy_after": 0.5 + s / 10} for c in configs for s in range(2)}
    truth.write_runs(truth.truth_path(tmp_path, "resnet18", "shift", 4), runs, "a" * 64)
    measured = truth.measure_truth("resnet18", "shift", configs, 2, 4, 1, tmp_path)
    assert measured.mean(configs[0]) == pytest.approx(0.55)


@pytest.mark.parametrize("path", sorted(TRUTHS.glob("*.json")),
                         ids=lambda p: p.stem)
def test_a_committed_truth_is_whole_and_from_one_checkpoint(truth, path):
    """Whole: the grid's every configuration under every seed, so that a replay on a fresh
    clone trains nothing (a partial truth would pretrain, and on another machine refuse)."""
    document = json.loads(path.read_text())
    runs = document["runs"]
    first = TrialConfig.model_validate(next(iter(runs.values()))["config"])
    assert path.name == truth.truth_path(path.parent, first.model, first.task,
                                         first.epochs).name
    from advisor import space

    grid = truth.the_grid(first.model, RANKS, list(space.DEPTHS))
    wanted = {TrialConfig(**c.model_dump(), model=first.model, task=first.task,
                          dataset=truth.DATASET, epochs=first.epochs, seed=s).key()
              for c in grid for s in range(SEEDS)}
    assert wanted <= set(runs)
    assert len({r["source_accuracy"] for r in runs.values()}) == 1
    assert len(document["source_weights_sha256"]) == 64
