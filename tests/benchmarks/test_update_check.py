"""benchmarks/update_check.py without its runs (each takes minutes): a killed check resumes
without repeating a finished run, and the table's verdicts say what the issue asks."""

import argparse
import json
import math

import pytest


@pytest.fixture(scope="module")
def check(benchmark_script):
    return benchmark_script("update_check")


def _record(model, config, seed, kind, accuracy, **more):
    base = {"model": model, "config": config, "seed": seed, "kind": kind, "accuracy": accuracy,
            "seconds_per_step": 1.0, "peak_rss_bytes": 100 * 2**20}
    if kind == "advisor":
        base.update(label=config, ram_needed_bytes=110 * 2**20, storage_bytes=10,
                    predicted_storage_bytes=10, merged_vs_unmerged=1e-6, peft_vs_unmerged=None)
    return {**base, **more}


def test_within_noise_is_two_pooled_standard_errors(check):
    diff, se = check.noise([0.80, 0.82, 0.84], [0.78, 0.80, 0.82])
    assert diff == pytest.approx(0.02) and se == pytest.approx(0.02 * math.sqrt(2 / 3))
    assert check.noise([0.8], [0.7])[1] is None  # one seed: no noise estimate


def test_verdicts_count_each_target(check):
    records = [_record("m", "lora", s, "advisor", a, peft_vs_unmerged=0.0)
               for s, a in enumerate((0.80, 0.82, 0.84))]
    records += [_record("m", "lora", s, "hand", a) for s, a in enumerate((0.79, 0.81, 0.83))]
    records += [_record("m", "full", s, "advisor", 0.9, storage_bytes=11,
                        seconds_per_step=1.2 + s / 100) for s in range(3)]
    records += [_record("m", "full", s, "hand", a) for s, a in enumerate((0.5, 0.51, 0.52))]
    found = check.summarise(records, ["m"], ["lora", "full", "head"])
    assert [f["within"] for f in found] == [True, False]  # head: no runs, no row
    lines = check.verdicts(found)
    assert "1 of 2 configurations" in lines[0]
    assert lines[1].endswith("1 of 2")  # full's update.safetensors is a byte over
    assert "under advisor's peak RSS in 0 of 2" in lines[2] and "over it in 2 of 2" in lines[2]
    assert "1.05: 1 of 2, worst 1.210" in lines[4]
    assert "3 of 3 runs" in lines[-1]  # every LoRA run
    assert found[1]["step"] == [1.21, 1.0]  # medians


def test_a_killed_check_resumes_without_repeating_a_finished_run(check, tmp_path, monkeypatch):
    a = argparse.Namespace(work=tmp_path, models=["m"], configs=["head"], seeds=2, epochs=2,
                           resolution=64, images=tmp_path / "fashion-mnist-32x8", allocator={},
                           fast_allocator=False)
    (tmp_path / "logs").mkdir()
    ran = []

    def run(a, model, name, seed, log):
        ran.append(seed)
        return {"accuracy": 0.5, "seconds_per_step": 1.0}

    monkeypatch.setattr(check, "run_advisor", run)
    monkeypatch.setattr(check, "run_hand", run)
    done, failures = check.run_all(a)
    assert len(done) == 4 and not failures and ran == [0, 0, 1, 1]
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    (tmp_path / "results.jsonl").write_text("\n".join(lines[:3]) + "\n")  # killed in run 4
    ran.clear()
    done, _ = check.run_all(a)
    assert ran == [1] and len(done) == 4
    assert [json.loads(line)["kind"] for line in lines] == ["advisor", "hand", "hand", "advisor"]
