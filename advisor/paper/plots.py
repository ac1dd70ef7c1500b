"""The report's figures (PNG). Built on matplotlib's Figure directly, never pyplot: no GUI
backend, no global state, so it runs headless and in threads."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from advisor.decision.pareto import pareto_front
from advisor.methods import METHODS
from advisor.paper.table import full_depth, row_label

FAMILIES = ("standard", "depthwise-separable")
COLORS = {name: f"C{i}" for i, name in enumerate(METHODS)}
MARKERS = "os^DvP*X"
MiB = 2**20


def _ok(table: list[dict]) -> list[dict]:
    return [r for r in table if r["status"] == "ok"]


def accuracy_vs_rank(table: list[dict], path: Path) -> Path:
    """Rows: tasks; columns: models. Rank methods as lines over rank, the rest as levels."""
    table = full_depth(table)
    ok = _ok(table)
    models = list(dict.fromkeys(r["model"] for r in table))
    tasks = list(dict.fromkeys(r["task"] for r in table))
    ranks = sorted({r["rank"] for r in table if r["rank"] is not None}) or [1]
    fig = Figure(figsize=(4.2 * len(models), 3.4 * len(tasks)), layout="constrained")
    axes = fig.subplots(len(tasks), len(models), squeeze=False, sharey=True)
    for ti, task in enumerate(tasks):
        for mi, model in enumerate(models):
            ax = axes[ti][mi]
            cell = [r for r in ok if r["model"] == model and r["task"] == task]
            for method in dict.fromkeys(r["method"] for r in cell):
                pts = sorted((r["rank"], r["accuracy_after"]) for r in cell
                             if r["method"] == method and r["rank"] is not None)
                if pts:
                    ax.plot(*zip(*pts, strict=True), marker="o", color=COLORS[method],
                            label=method)
                for r in cell:
                    if r["method"] == method and r["rank"] is None:
                        ax.axhline(r["accuracy_after"], color=COLORS[method], ls="--", lw=1.2,
                                   label=method)
            if cell:
                ax.axhline(cell[0]["accuracy_before"], color="grey", ls=":", lw=1,
                           label="before update")
            ax.set_xscale("log", base=2)
            ax.set_xticks(ranks, [str(r) for r in ranks])
            ax.set_title(f"{model} · {task}", fontsize=10)
            ax.set_xlabel("rank")
            ax.grid(alpha=0.3)
        axes[ti][0].set_ylabel("target accuracy after update")
    handles, labels = axes[0][0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    fig.legend(unique.values(), unique.keys(), loc="outside right upper", fontsize=8)
    fig.savefig(path, dpi=110)
    return path


def cost_vs_full(table: list[dict], path: Path) -> Path:
    """Peak memory and FLOPs per step relative to full fine-tuning, standard vs
    depthwise-separable side by side (device scale; one bar per model)."""
    costs: dict[tuple[str, str], dict] = {}
    for r in full_depth(table):
        if r["peak_vs_full"] is not None and r["method"] != "full":
            costs.setdefault((r["model"], row_label(r)), r)
    labels = list(dict.fromkeys(label for _, label in costs))
    fig = Figure(figsize=(max(9.0, 0.55 * len(labels) * 2 + 2), 6.5), layout="constrained")
    axes = fig.subplots(2, 2, squeeze=False, sharey="row")
    for col, family in enumerate(FAMILIES):
        models = list(dict.fromkeys(m for (m, _), r in costs.items() if r["family"] == family))
        for row, (column, what) in enumerate((("peak_vs_full", "peak memory"),
                                              ("flops_vs_full", "FLOPs per step"))):
            ax = axes[row][col]
            ax.axhline(1.0, color="black", lw=0.8)
            width = 0.8 / max(1, len(models))
            for mi, model in enumerate(models):
                xs, ys = [], []
                for li, label in enumerate(labels):
                    r = costs.get((model, label))
                    if r is not None and r[column] is not None:
                        xs.append(li + (mi - (len(models) - 1) / 2) * width)
                        ys.append(r[column])
                ax.bar(xs, ys, width, label=model, color=f"C{mi + (3 if col else 0)}")
            ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
            ax.set_ylabel(f"{what} / full fine-tuning")
            ax.grid(axis="y", alpha=0.3)
            if row == 0:
                ax.set_title(family, fontsize=11)
            if not models:
                ax.text(0.5, 0.5, f"no {family} model in this benchmark", ha="center",
                        va="center", transform=ax.transAxes, color="grey")
            elif row == 0:
                ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    return path


def accuracy_vs_memory(table: list[dict], path: Path) -> Path:
    """Every run's accuracy against its device-scale peak memory, one panel per task, with the
    Pareto front (no other run is both more accurate and lighter) drawn through."""
    ok = [r for r in _ok(table) if r["peak_bytes"]]
    tasks = list(dict.fromkeys(r["task"] for r in table))
    models = list(dict.fromkeys(r["model"] for r in table))
    fig = Figure(figsize=(5.2 * len(tasks) + 1.8, 4.4), layout="constrained")
    axes = fig.subplots(1, len(tasks), squeeze=False)[0]
    for ax, task in zip(axes, tasks, strict=True):
        cell = [r for r in ok if r["task"] == task]
        for r in cell:
            ax.scatter(r["peak_bytes"] / MiB, r["accuracy_after"], color=COLORS[r["method"]],
                       marker=MARKERS[models.index(r["model"]) % len(MARKERS)], s=36,
                       alpha=0.85)
        front = [cell[i] for i in pareto_front([(r["peak_bytes"], r["accuracy_after"])
                                                for r in cell])]
        if front:
            ax.step([r["peak_bytes"] / MiB for r in front],
                    [r["accuracy_after"] for r in front], where="post", color="black", lw=1)
            last = None
            for r in front:  # label the front, skipping points crowded onto the last label
                x, y = math.log10(r["peak_bytes"]), r["accuracy_after"]
                if last and abs(x - last[0]) < 0.12 and abs(y - last[1]) < 0.06:
                    continue
                last = (x, y)
                ax.annotate(f"{r['model']}\n{row_label(r, True)}", (r["peak_bytes"] / MiB, y),
                            fontsize=6, xytext=(3, -9), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("peak training memory, MiB (device scale)")
        ax.set_ylabel("target accuracy after update")
        ax.set_title(task, fontsize=10)
        ax.grid(alpha=0.3)
    methods = list(dict.fromkeys(r["method"] for r in ok))
    handles = [Line2D([], [], ls="", marker="s", color=COLORS[m], label=m) for m in methods]
    handles += [Line2D([], [], ls="", marker=MARKERS[i % len(MARKERS)], color="grey", label=m)
                for i, m in enumerate(models)]
    handles.append(Line2D([], [], color="black", lw=1, label="Pareto front"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.savefig(path, dpi=110)
    return path


def write_plots(table: list[dict], out: Path) -> list[Path]:
    from advisor.paper.depth import accuracy_vs_depth, depth_vs_full

    plots = [accuracy_vs_rank(table, out / "accuracy_vs_rank.png"),
             cost_vs_full(table, out / "cost_vs_full.png"),
             accuracy_vs_memory(table, out / "accuracy_vs_memory.png")]
    if len({r["depth_name"] for r in table}) > 1:
        plots += [depth_vs_full(table, out / "depth_vs_full.png"),
                  accuracy_vs_depth(table, out / "accuracy_vs_depth.png")]
    return plots

