"""``advisor benchmark`` end to end on a tiny plan: files, columns, resumption, failures."""

import csv
import json

import pytest

from advisor.cli.main import main
from advisor.paper import BenchmarkPlan, benchmark
from advisor.paper.table import COLUMNS
from advisor.study.search import open_study, seed_study
from advisor.study.trials import completed_results
from advisor.training import trial as trial_module

TINY = dict(models=["mobilenetv3"], methods=["full", "head", "lora"], ranks=[2, 4],
            tasks=["unseen"], depths=["all"], epochs=1, cost_batch_size=2, cost_resolution=32)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return out, benchmark(BenchmarkPlan(**TINY), out)


@pytest.mark.slow
def test_writes_every_file_with_its_columns(tiny):
    out, report = tiny
    assert report.runs == 4 and report.executed == 4 and report.failed == 0
    with (out / "runs.csv").open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    assert [(r["method"], r["rank"]) for r in rows] == [("full", ""), ("head", ""), ("lora", "2"),
                                                       ("lora", "4")]
    table = json.loads((out / "runs.json").read_text())
    by = {(r["method"], r["rank"]): r for r in table}
    assert by[("full", None)]["peak_vs_full"] == 1.0
    for r in table:
        assert r["status"] == "ok" and 0 <= r["accuracy_after"] <= 1
        assert r["flops_forward"] + r["flops_backward"] + r["flops_optimizer"] == r["flops_total"]
        assert r["peak_bytes"] > 0 and r["storage_bytes"] > 0 and r["flops_torch_counter"] > 0
    # head-only trains a tiny fraction and skips most of the backward pass
    assert by[("head", None)]["peak_vs_full"] < 0.5 and by[("head", None)]["flops_vs_full"] < 0.5
    assert by[("lora", 2)]["params_trainable"] < by[("lora", 4)]["params_trainable"]
    for name in ("accuracy_vs_rank.png", "cost_vs_full.png", "accuracy_vs_memory.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "report.md").read_text()
    assert "Claim 1" in text and "Claim 2" in text and "](cost_vs_full.png)" in text
    # one family only: the memory claim says it cannot be checked instead of inventing a verdict
    assert report.claims[0].verdict == "cannot check"


@pytest.mark.slow
def test_finished_runs_are_not_repeated(tiny, monkeypatch):
    out, _ = tiny

    def must_not_run(config, profile=True):
        raise AssertionError(f"re-ran {config}")

    monkeypatch.setattr(trial_module, "run_trial", must_not_run)
    assert benchmark(BenchmarkPlan(**TINY), out).executed == 0


@pytest.mark.slow
def test_a_crash_loses_no_other_run_and_is_retried(tmp_path, monkeypatch):
    real = trial_module.run_trial

    def flaky(config, profile=True):
        if config.method == "head":
            raise RuntimeError("device fell over")
        return real(config, profile)

    plan = BenchmarkPlan(**{**TINY, "methods": ["head", "bias"], "cost_resolution": 16})
    monkeypatch.setattr(trial_module, "run_trial", flaky)
    report = benchmark(plan, tmp_path)
    assert (report.failed, report.runs) == (1, 2)
    assert "device fell over" in (tmp_path / "report.md").read_text()
    monkeypatch.setattr(trial_module, "run_trial", real)
    again = benchmark(plan, tmp_path)
    assert (again.executed, again.failed) == (1, 0)  # only the failed run ran again


def test_refused_configuration_is_reported_not_run(tmp_path):
    plan = BenchmarkPlan(**{**TINY, "methods": ["lora"], "ranks": [2], "targets": "all",
                            "cost_resolution": 16})
    report = benchmark(plan, tmp_path)
    assert report.refused == 1
    row = json.loads((tmp_path / "runs.json").read_text())[0]
    assert row["status"] == "refused" and "groups" in row["error"]


@pytest.mark.slow
def test_runs_seed_a_study(tiny, tmp_path):
    out, _ = tiny
    results = [json.loads(line)["result"] for line in (out / "runs.jsonl").read_text().split()]
    storage = f"sqlite:///{tmp_path / 's.db'}"
    assert seed_study(results, storage) == {"mobilenet_v3_small:unseen:digits:e1": 4}
    assert seed_study(results, storage) == {}  # already there
    study = open_study("mobilenetv3", "unseen", storage, epochs=1, create=False)
    seeded = completed_results(study)
    assert sorted(r["config"]["method"] for r in seeded) == ["full", "head", "lora", "lora"]
    assert study.user_attrs["num_classes"] == 5
    # the seeded trials are valid Optuna trials the sampler accepts alongside its own
    assert all(t.constraints == {"refused": 0.0} for t in study.trials)


@pytest.mark.slow
def test_cli_seeds_the_study_from_a_finished_benchmark(tiny, tmp_path, capsys):
    out, _ = tiny
    storage = f"sqlite:///{tmp_path / 'cli.db'}"
    argv = ["benchmark", "--models", "mobilenetv3", "--methods", "full,head,lora", "--ranks",
            "2,4", "--tasks", "unseen", "--depth", "all", "--epochs", "1", "--cost-batch-size", "2",
            "--cost-resolution", "32", "--out", str(out), "--seed-study", "--storage", storage,
            "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["executed"] == 0  # resumed: nothing re-ran
    assert document["seeded"] == {"mobilenet_v3_small:unseen:digits:e1": 4}


@pytest.mark.parametrize("argv", [["--ranks", "two"], ["--models", "alexnet"],
                                  ["--methods", "lora,prefix"], ["--tasks", "weather"],
                                  ["--epochs", "0"], ["--models", ","]])
def test_bad_plan_is_one_line_and_exit_2(argv, tmp_path, capsys):
    assert main(["benchmark", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("advisor: error:") and "\n" not in err


@pytest.mark.slow
def test_the_depth_dimension_is_measured_plotted_and_judged(tmp_path):
    """Two families, two depths: every run at both depths, the depth plots, and a verdict on
    whether limiting the depth recovers PEFT's memory saving on the depthwise CNN."""
    plan = BenchmarkPlan(models=["mobilenetv3", "resnet18"], methods=["full", "lora"],
                         ranks=[2], tasks=["unseen"], depths=["all", "last"], epochs=1,
                         cost_batch_size=4, cost_resolution=64)
    report = benchmark(plan, tmp_path)
    table = json.loads((tmp_path / "runs.json").read_text())
    assert report.runs == 8 and report.failed == 0
    assert {(r["model"], r["depth_name"]) for r in table} == {
        (m, d) for m in ("mobilenet_v3_small", "resnet18") for d in ("all", "last")}
    last = {(r["model"], r["method"]): r for r in table if r["depth_name"] == "last"}
    for model in ("mobilenet_v3_small", "resnet18"):
        assert last[(model, "full")]["peak_vs_full"] < 1.0
        assert last[(model, "lora")]["peak_vs_full"] < 0.5
        assert last[(model, "lora")]["flops_vs_full"] < 1.0
    # a depthwise-separable CNN's memory is its activations: it gains more from depth
    assert last[("mobilenet_v3_small", "full")]["peak_vs_full"] < \
        last[("resnet18", "full")]["peak_vs_full"]
    for name in ("depth_vs_full.png", "accuracy_vs_depth.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    depth = report.claims[2]
    assert depth.verdict in ("agrees", "partly agrees", "disagrees")
    assert set(depth.numbers["per_model"]["mobilenet_v3_small"]["saving"]) == {"all", "last"}
    assert "How far back the update reaches" in (tmp_path / "report.md").read_text()
