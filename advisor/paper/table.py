"""One flat row per run: what the CSV and JSON hold and what plots and findings read."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from advisor.config import Config
from advisor.paper.runner import Measurements, cost_key
from advisor.zoo import resolve_model

COLUMNS = [
    "model", "family", "task", "method", "rank", "targets", "depth", "depth_name", "status",
    "error",
    "accuracy_before", "accuracy_after", "accuracy_gain", "source_accuracy",
    "params_total", "params_trainable", "trainable_fraction", "steps", "train_seconds",
    "wall_seconds",
    "cost_batch_size", "cost_resolution",
    "flops_forward", "flops_backward", "flops_optimizer", "flops_total", "flops_vs_full",
    "flops_torch_counter", "flops_torch_counter_vs_full",
    "peak_bytes", "peak_vs_full", "mem_params", "mem_buffers", "mem_grads", "mem_optimizer",
    "mem_activations", "mem_temp", "sum_of_category_maxima", "sum_of_category_maxima_vs_full",
    "storage_bytes",
    "trial_peak_bytes", "trial_flops_total",
]


def row_label(row: dict, depth: bool = False) -> str:
    """'lora r8' or 'head' (with ``depth``: 'lora r8 @quarter'): a row's configuration in
    plots and findings."""
    label = row["method"] if row["rank"] is None else f"{row['method']} r{row['rank']}"
    return f"{label} @{row['depth_name']}" if depth and row["depth"] is not None else label


def full_depth(table: list[dict]) -> list[dict]:
    """The rows that update every block: what the paper compares."""
    return [r for r in table if r["depth"] is None]


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def rows(m: Measurements) -> list[dict]:
    out = []
    for record in m.records:
        run, result = record.config, record.result or {}
        key = cost_key(run.model, run)
        full_key = cost_key(run.model, Config(method="full"))
        cost, full = m.costs.get(key), m.costs.get(full_key)
        flops = (cost or {}).get("flops", {})
        mem = (cost or {}).get("memory", {})
        full_flops = (full or {}).get("flops", {}).get("total")
        full_mem = (full or {}).get("memory", {})
        counted = m.torch_counter_flops.get(key)
        trial_cost = result.get("cost") or {}
        before, after = result.get("accuracy_before"), result.get("accuracy_after")
        row = {
            "model": run.model, "family": resolve_model(run.model).family, "task": run.task,
            "method": run.method, "rank": run.rank, "targets": run.targets,
            "depth": run.depth, "depth_name": m.plan.depth_names(run.model).get(run.depth, "all")
            if run.depth is not None else "all",
            "status": record.status, "error": record.error,
            "accuracy_before": before, "accuracy_after": after,
            "accuracy_gain": after - before if after is not None else None,
            "source_accuracy": result.get("source_accuracy"),
            "params_total": result.get("params_total"),
            "params_trainable": result.get("params_trainable"),
            "trainable_fraction": _ratio(result.get("params_trainable"),
                                         result.get("params_total")),
            "steps": result.get("steps"), "train_seconds": result.get("train_seconds"),
            "wall_seconds": result.get("wall_seconds"),
            "cost_batch_size": m.plan.cost_batch_size, "cost_resolution": m.plan.cost_resolution,
            "flops_forward": flops.get("forward"), "flops_backward": flops.get("backward"),
            "flops_optimizer": flops.get("optimizer"), "flops_total": flops.get("total"),
            "flops_vs_full": _ratio(flops.get("total"), full_flops),
            "flops_torch_counter": counted,
            "flops_torch_counter_vs_full": _ratio(counted, m.torch_counter_flops.get(full_key)),
            "peak_bytes": mem.get("peak_bytes"),
            "peak_vs_full": _ratio(mem.get("peak_bytes"), full_mem.get("peak_bytes")),
            "mem_params": mem.get("params"), "mem_buffers": mem.get("buffers"),
            "mem_grads": mem.get("grads"), "mem_optimizer": mem.get("optimizer"),
            "mem_activations": mem.get("activations"), "mem_temp": mem.get("temp"),
            "sum_of_category_maxima": mem.get("sum_of_category_maxima"),
            "sum_of_category_maxima_vs_full": _ratio(mem.get("sum_of_category_maxima"),
                                                     full_mem.get("sum_of_category_maxima")),
            "storage_bytes": (cost or {}).get("storage_bytes"),
            "trial_peak_bytes": (trial_cost.get("memory") or {}).get("peak_bytes"),
            "trial_flops_total": (trial_cost.get("flops") or {}).get("total"),
        }
        out.append(row)
    return out


def write_tables(table: list[dict], out: Path) -> tuple[Path, Path]:
    csv_path, json_path = out / "runs.csv", out / "runs.json"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    json_path.write_text(json.dumps(table, indent=1))
    return csv_path, json_path
