"""report.md: settings, the two claims checked, accuracy findings, plots and the full table."""

from __future__ import annotations

import platform
from pathlib import Path

from advisor.paper.depth import depth_claim
from advisor.paper.findings import Claim, accuracy_findings, flops_claim, memory_claim
from advisor.paper.runner import Measurements

MiB = 2**20


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _runs_table(table: list[dict]) -> list[str]:
    lines = ["| model | task | method | rank | depth | status | acc before | acc after | trainable "
             "| peak MiB | peak / full | GFLOP/step | FLOPs / full | torch-counter / full "
             "| train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        lines.append(
            f"| {r['model']} | {r['task']} | {r['method']} | {r['rank'] or '-'} "
            f"| {r['depth_name']} "
            f"| {r['status']} | {_fmt(r['accuracy_before'], '.3f')} "
            f"| {_fmt(r['accuracy_after'], '.3f')} | {_fmt(r['params_trainable'], ',')} "
            f"| {_fmt(r['peak_bytes'] and r['peak_bytes'] / MiB, '.0f')} "
            f"| {_fmt(r['peak_vs_full'], '.2f')} "
            f"| {_fmt(r['flops_total'] and r['flops_total'] / 1e9, '.1f')} "
            f"| {_fmt(r['flops_vs_full'], '.2f')} "
            f"| {_fmt(r['flops_torch_counter_vs_full'], '.2f')} "
            f"| {_fmt(r['train_seconds'], '.1f')} |")
    return lines


def _claim(number: int, claim: Claim) -> list[str]:
    return [f"### Claim {number}: {claim.claim}", "", f"**Verdict on our data: {claim.verdict}.**",
            "", f"Ours: {claim.ours}", "", f"Why: {claim.why}", ""]


def write_report(m: Measurements, table: list[dict], plots: list[Path], out: Path,
                 command: str) -> tuple[Path, list[Claim]]:
    plan = m.plan
    claims = [memory_claim(table), flops_claim(table), depth_claim(table)]
    failed = [r for r in table if r["status"] == "failed"]
    refused = [r for r in table if r["status"] == "refused"]
    lines = [
        "# PEFT on CNNs: the paper reproduced on our measurements", "",
        f"Command: `{command}`", "",
        f"- models: {', '.join(plan.models)}; tasks: {', '.join(plan.tasks)}; methods: "
        f"{', '.join(plan.methods)}; ranks: {', '.join(map(str, plan.ranks))}; adapter "
        f"targets: {plan.targets}; update depths: {', '.join(plan.depths)} (per model: "
        + "; ".join(f"{m} " + ", ".join(f"{n} {'all' if d is None else d}"
                                         for d, n in plan.depth_names(m).items())
                    for m in plan.models) + " blocks)",
        f"- accuracy: one real fine-tune per run, {plan.epochs} epochs at {plan.trial_resolution}"
        f" px on the built-in '{plan.dataset}' data (seed {plan.seed}), default learning rate",
        f"- cost: the exact cost of one training step at the device scale, batch "
        f"{plan.cost_batch_size} at {plan.cost_resolution} px (fake tensors: exact FLOPs by "
        "phase and the true simultaneous memory peak), plus FLOPs as torch's FlopCounterMode "
        "counts them (the paper's profiler) for comparison",
        f"- runs: {len(table)} ({len(refused)} refused by the method, {len(failed)} failed); "
        f"host: {platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "", "## The paper's headline claims, on our data (every block updated)", ""]
    for i, claim in enumerate(claims[:2], 1):
        lines += _claim(i, claim)
    lines += ["## How far back the update reaches", "", *_claim(3, claims[2])]
    lines += ["## Accuracy", "", *accuracy_findings(table), "",
              "Accuracy comes from short fine-tunes on small built-in data: it ranks methods "
              "for this task, it is not the accuracy a device will reach on its own data.", "",
              "## Plots", ""]
    titles = {"accuracy_vs_rank.png": "Accuracy vs rank per method",
              "cost_vs_full.png": "Peak memory and FLOPs relative to full fine-tuning",
              "accuracy_vs_memory.png": "Accuracy vs peak memory, with the Pareto front",
              "depth_vs_full.png": "Peak memory and FLOPs by update depth, relative to full "
                                   "fine-tuning of every block",
              "accuracy_vs_depth.png": "Accuracy by update depth"}
    for p in plots:
        lines += [f"### {titles.get(p.name, p.stem)}", "", f"![{p.stem}]({p.name})", ""]
    if failed or refused:
        lines += ["## Runs that did not train", ""]
        lines += [f"- {r['model']} {r['task']} {r['method']} r{r['rank']}: {r['status']}: "
                  f"{r['error']}" for r in failed + refused]
        lines.append("")
    lines += ["## Every run", "", "(also in runs.csv and runs.json, with the memory breakdown, "
              "FLOPs by phase and storage bytes)", "", *_runs_table(table), ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path, claims
