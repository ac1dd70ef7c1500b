"""The depth dimension of the benchmark: how far back an update reaches, its cost and accuracy,
and how much of the memory saving PEFT misses on depthwise-separable CNNs it recovers."""

from __future__ import annotations

from pathlib import Path
from statistics import median

from matplotlib.figure import Figure

from advisor.paper.findings import PEFT, Claim, cost_rows, pct
from advisor.paper.table import full_depth, row_label

FAMILY_ORDER = ("standard", "depthwise-separable")


def _depth_order(table: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["depth_name"] for r in sorted(
        table, key=lambda r: -1e9 if r["depth"] is None else -r["depth"])))


def _models(table: list[dict]) -> list[str]:
    """Standard CNNs first, then depthwise-separable ones: side by side."""
    return sorted(dict.fromkeys(r["model"] for r in table),
                  key=lambda m: FAMILY_ORDER.index(next(r["family"] for r in table
                                                       if r["model"] == m)))


def _first_rank(table: list[dict], method: str) -> int | None:
    ranks = sorted({r["rank"] for r in table if r["method"] == method and r["rank"]})
    return ranks[0] if ranks else None


def depth_vs_full(table: list[dict], path: Path) -> Path:
    """Peak memory and FLOPs relative to full fine-tuning of every block, per method (its
    smallest rank) and depth; one column per model, standard CNNs first."""
    rows = [r for r in cost_rows(table, tuple(dict.fromkeys(r["method"] for r in table)))
            if r["rank"] == _first_rank(table, r["method"])]
    models, depths = _models(table), _depth_order(table)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    fig = Figure(figsize=(3.6 * len(models) + 1.5, 6.2), layout="constrained")
    axes = fig.subplots(2, len(models), squeeze=False, sharey="row")
    width = 0.8 / max(1, len(depths))
    for col, model in enumerate(models):
        for row, (column, what) in enumerate((("peak_vs_full", "peak memory"),
                                              ("flops_vs_full", "FLOPs per step"))):
            ax = axes[row][col]
            ax.axhline(1.0, color="black", lw=0.8)
            for di, depth in enumerate(depths):
                xs, ys = [], []
                for mi, method in enumerate(methods):
                    r = next((r for r in rows if r["model"] == model and r["method"] == method
                              and r["depth_name"] == depth), None)
                    if r is not None and r[column] is not None:
                        xs.append(mi + (di - (len(depths) - 1) / 2) * width)
                        ys.append(r[column])
                ax.bar(xs, ys, width, label=depth, color=f"C{di}")
            labels = [m if _first_rank(table, m) is None else f"{m} r{_first_rank(table, m)}"
                      for m in methods]
            ax.set_xticks(range(len(methods)), labels, rotation=60, ha="right", fontsize=8)
            ax.grid(axis="y", alpha=0.3)
            if row == 0:
                family = next(r["family"] for r in table if r["model"] == model)
                ax.set_title(f"{model}\n({family})", fontsize=9)
            if col == 0:
                ax.set_ylabel(f"{what} / full fine-tuning, all blocks")
    axes[0][0].legend(title="blocks updated", fontsize=7, title_fontsize=7)
    fig.savefig(path, dpi=110)
    return path


def accuracy_vs_depth(table: list[dict], path: Path) -> Path:
    """Accuracy after the update per depth, one line per method (its smallest rank)."""
    ok = [r for r in table if r["status"] == "ok"]
    models, tasks, depths = _models(table), list(dict.fromkeys(r["task"] for r in table)), \
        _depth_order(table)
    fig = Figure(figsize=(3.6 * len(models) + 1.5, 3.2 * len(tasks)), layout="constrained")
    axes = fig.subplots(len(tasks), len(models), squeeze=False, sharey=True)
    for ti, task in enumerate(tasks):
        for mi, model in enumerate(models):
            ax = axes[ti][mi]
            cell = [r for r in ok if r["model"] == model and r["task"] == task
                    and r["rank"] == _first_rank(table, r["method"])]
            for ci, method in enumerate(dict.fromkeys(r["method"] for r in cell)):
                points = [(depths.index(r["depth_name"]), r["accuracy_after"]) for r in cell
                          if r["method"] == method]
                if len(points) > 1:
                    ax.plot(*zip(*sorted(points), strict=True), marker="o", color=f"C{ci}",
                            label=row_label(next(r for r in cell if r["method"] == method)))
                else:
                    ax.axhline(points[0][1], color=f"C{ci}", ls="--", lw=1, label=method)
            ax.set_xticks(range(len(depths)), depths, fontsize=8)
            ax.set_title(f"{model} · {task}", fontsize=9)
            ax.grid(alpha=0.3)
        axes[ti][0].set_ylabel("accuracy after update")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(dict(zip(labels, handles, strict=True)).values(),
               dict(zip(labels, handles, strict=True)).keys(), loc="outside right upper",
               fontsize=8)
    fig.savefig(path, dpi=110)
    return path


def depth_claim(table: list[dict]) -> Claim:
    """Per model: the median peak-memory saving of LoRA/DoRA/GaLore vs full fine-tuning of
    every block, at each depth; against the standard CNNs' saving at full depth (what the
    paper's comparison says a depthwise-separable CNN misses)."""
    claim = ("(This project's finding, not the paper's.) Updating only the last blocks "
             "recovers the memory saving PEFT misses on depthwise-separable CNNs.")
    rows = cost_rows(table, PEFT)
    depths = _depth_order(table)
    if len(depths) < 2 or not rows:
        return Claim(claim=claim, verdict="cannot check", numbers={},
                     ours="this benchmark has PEFT runs at one depth only",
                     why="add --depths all,half,quarter,last")
    per_model: dict[str, dict] = {}
    for model in _models(table):
        mine = [r for r in rows if r["model"] == model]
        savings = {d: median(1 - r["peak_vs_full"] for r in mine if r["depth_name"] == d)
                   for d in depths if any(r["depth_name"] == d for r in mine)}
        if savings:
            per_model[model] = {"family": mine[0]["family"], "saving": savings}
    standard = [1 - r["peak_vs_full"] for r in full_depth(rows) if r["family"] == "standard"]
    reference = median(standard) if standard else None
    dw = {m: v for m, v in per_model.items() if v["family"] == "depthwise-separable"}
    listing = "; ".join(f"{m}: " + ", ".join(f"{d} {pct(s)}" for d, s in v["saving"].items())
                        for m, v in per_model.items())
    ours = ("median peak-memory saving of LoRA/DoRA/GaLore vs full fine-tuning of every block, "
            f"by depth: {listing}." + (f" Reference: PEFT on standard CNNs at full depth saves "
                                       f"{pct(reference)}." if reference is not None else ""))
    if not dw or reference is None:
        verdict = "cannot check"
    elif all(max(v["saving"].values()) >= reference for v in dw.values()):
        verdict = "agrees"
    elif any(max(v["saving"].values()) >= reference for v in dw.values()):
        verdict = "partly agrees"
    else:
        verdict = "disagrees"
    why = ("A frozen block before the first updated one runs as inference: nothing is kept for "
           "the backward pass, so activations, which dominate a depthwise-separable CNN's "
           "training memory, are saved block by block, whatever the method. PEFT alone "
           "freezes weights but still needs every block's activations to carry the gradient "
           "back to its adapters. Fewer updated blocks can cost accuracy: see the plot.")
    return Claim(claim=claim, verdict=verdict, ours=ours, why=why,
                 numbers={"per_model": per_model, "standard_full_depth_saving": reference})
