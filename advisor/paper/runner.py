"""Runs a benchmark plan with the same trial runner and cost profiler as ``recommend``.

Every finished run is appended to ``runs.jsonl`` in the output folder as soon as it ends, so an
interrupted benchmark resumes where it stopped and a crash in one run loses no other. Refused
runs (a method that cannot take a configuration) are final; failed runs are retried on resume.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from advisor import progress
from advisor.config import Config, TrialConfig, canonical_key
from advisor.errors import AdvisorError, IncompatibleConfigError
from advisor.paper.plan import BenchmarkPlan
from advisor.userfiles import write_text

RUNS_FILE = "runs.jsonl"


class RunRecord(BaseModel):
    config: TrialConfig  # the run: its key identifies it across resumptions
    status: str  # "ok" | "refused" | "failed"
    error: str | None = None
    result: dict | None = None  # TrialResult, as JSON


class Measurements(BaseModel):
    """Everything a report is made of."""

    plan: BenchmarkPlan
    records: list[RunRecord]
    costs: dict[str, dict]  # cost_key -> StepCost JSON at the device scale
    torch_counter_flops: dict[str, int]  # same keys: the paper's FLOP counting
    executed: int  # runs this call trained (0 when everything was already done)


def cost_key(model: str, config: Config) -> str:
    return canonical_key({"model": model, "config": config.cost_config().model_dump()})


def load_records(out: Path) -> dict[str, RunRecord]:
    path = out / RUNS_FILE
    records: dict[str, RunRecord] = {}
    if not path.exists():
        return records
    skipped = 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = RunRecord.model_validate_json(line)
        except ValueError:  # a torn last line (killed during an append) or garbage
            skipped += 1
            continue
        records[record.config.key()] = record  # the last word wins (a retried failure)
    if skipped:
        progress.note(f"{path}: skipped {skipped} unreadable line(s); those runs will run again")
    return records


def _append(out: Path, record: RunRecord) -> None:
    path = out / RUNS_FILE
    with path.open("a+b") as f:
        torn = f.tell() > 0 and (f.seek(-1, 2), f.read(1))[1] != b"\n"
        # after a torn last line the record starts a line of its own, so it stays readable
        f.write((b"\n" if torn else b"") + record.model_dump_json().encode() + b"\n")


def _run_one(config: TrialConfig) -> RunRecord:
    from advisor.training.trial import run_trial

    try:
        result = run_trial(config)
    except IncompatibleConfigError as exc:
        return RunRecord(config=config, status="refused", error=str(exc))
    except AdvisorError:
        raise  # the user's input (e.g. a dataset path): every run would fail the same way
    except Exception as exc:  # one run's crash must not lose the others
        last = traceback.format_exception_only(exc)[-1].strip()
        return RunRecord(config=config, status="failed", error=last)
    return RunRecord(config=config, status="ok", result=result.model_dump(mode="json"))


def _device_scale_costs(plan: BenchmarkPlan, out: Path) -> tuple[dict, dict]:
    """Exact costs (shared cache with ``recommend``) and the paper's FLOP count, per model and
    configuration; full fine-tuning is always costed, as the reference every ratio needs."""
    from advisor.cost.cache import costs
    from advisor.cost.screening import valid_configs
    from advisor.training.tasks import load_task

    num_classes = {load_task(t, plan.dataset).target.num_classes for t in plan.tasks}
    if len(num_classes) != 1:
        raise AdvisorError("tasks with different class counts cannot share one cost table")
    classes = num_classes.pop()
    reports: dict[str, dict] = {}
    path = out / f"torch-counter-flops-b{plan.cost_batch_size}-px{plan.cost_resolution}.json"
    try:
        counted: dict[str, int] = json.loads(path.read_text())
    except (OSError, ValueError):  # absent, or torn by a kill: count again
        counted = {}
    configs = {m: list(dict.fromkeys([Config(method="full"), *plan.configs(m)]))
               for m in plan.models}
    for model in plan.models:
        valid = valid_configs(model, configs[model])
        for config, report in costs(model, valid, plan.cost_batch_size, plan.cost_resolution,
                                    classes).items():
            reports[cost_key(model, config)] = report.model_dump(mode="json")
    missing = [(m, c) for m in plan.models for c in configs[m]
               if cost_key(m, c) in reports and cost_key(m, c) not in counted]
    if missing:
        from advisor.cost.paper_counter import torch_counted_flops

        with progress.progress_bar(len(missing), "counting FLOPs as the paper did") as advance:
            for model, c in missing:
                counted[cost_key(model, c)] = torch_counted_flops(
                    model, c, plan.cost_batch_size, plan.cost_resolution, classes)
                write_text(path, json.dumps(counted, indent=1))
                advance(1)
    return reports, counted


def run_benchmark(plan: BenchmarkPlan, out: Path,
                  on_record: Callable[[RunRecord], None] | None = None) -> Measurements:
    """Run every run of ``plan`` not already finished in ``out``; cost every configuration."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AdvisorError(f"cannot use {out} as the output folder: {exc.strerror}") from None
    records = load_records(out)
    runs = plan.runs()
    todo = [r for r in runs
            if records.get(r.key()) is None or records[r.key()].status == "failed"]
    if len(todo) < len(runs):
        progress.note(f"resuming: {len(runs) - len(todo)} of {len(runs)} runs "
                      f"already done in {out}")
    with progress.progress_bar(len(todo), "benchmark") as advance:
        for run in todo:
            advance(0, f"{run.model} {run.task} {run.label}")
            record = _run_one(run)
            _append(out, record)
            records[run.key()] = record
            if on_record is not None:
                on_record(record)
            advance(1)
    costs, counted = _device_scale_costs(plan, out)
    return Measurements(plan=plan, records=[records[r.key()] for r in runs],
                        costs=costs, torch_counter_flops=counted, executed=len(todo))
