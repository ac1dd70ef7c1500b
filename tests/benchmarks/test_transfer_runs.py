"""The runs benchmarks/transfer.py ships at each resolution are what decision/confirmation.py
decides on: the package reads them back as written, with the t quantile of their pooled
degrees of freedom computed by scipy where they were measured."""

import json

import pytest
from scipy.stats import t

from advisor.config import Config
from advisor.decision import transfer


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("transfer")


def test_a_shipped_column_reads_back_with_its_quantile(script, tmp_path, monkeypatch):
    configs = [Config(method="full"), Config(method="lora", rank=8, targets="pointwise")]
    column = script._shipped_runs(configs, [[0.9, 0.92, 0.94], [0.91, 0.93]])
    assert column["t_quantile_95"] == pytest.approx(t.ppf(0.95, 3), abs=1e-6)
    path = tmp_path / "transfer.json"
    path.write_text(json.dumps({"format": transfer.FORMAT, "models": {"resnet18": {
        "groups": {"resolution": {"runs": {"224 px": column}}}}}}))
    monkeypatch.setattr(transfer, "TRANSFER_FILE", path)
    transfer._models.cache_clear()
    try:
        runs, quantile = transfer.resolution_runs("resnet18", 224)
        assert runs == {configs[0]: [0.9, 0.92, 0.94], configs[1]: [0.91, 0.93]}
        assert quantile == column["t_quantile_95"]
        assert transfer.resolution_runs("resnet18", 96)[0] == {}
        assert transfer.resolution_runs("mobilenet_v2", 224)[0] == {}  # not another model's
    finally:
        transfer._models.cache_clear()


def test_one_seed_everywhere_ships_no_quantile(script):
    assert script._shipped_runs([Config(method="full")], [[0.9]])["t_quantile_95"] is None


def test_a_kept_run_says_how_many_threads_torch_ran_it_with(script, tmp_path, monkeypatch):
    """Full fine-tuning's figures move with torch's thread count (docs/transfer.md), so each
    kept run records the trial's; a kept run is read back, not trained again."""
    import types

    trained = []

    def run_trial(trial, **_):
        trained.append(trial)
        return types.SimpleNamespace(accuracy_after=0.9, threads=3)

    monkeypatch.setattr("advisor.training.trial.run_trial", run_trial)
    for _ in range(2):
        run = script._run(tmp_path, Config(method="full"), "mobilenet_v3_small", 11)
    assert run["threads"] == 3 and run["accuracy"] == 0.9
    assert len(trained) == 1
