"""The regret benchmark's report (benchmarks/regret.py): the table of regrets with their
uncertainty, written as the command's own section of docs/regret.md so that truths measured
in separate sessions add up instead of replacing each other."""

from __future__ import annotations

import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from advisor.userfiles import write_text

HEAD = """# The regret benchmark

What it measures and how: the docstring of benchmarks/regret.py. Each section below is the
output of the command in its heading; running that command again replaces its section."""


def mean(values: list[float], se: bool = False) -> str:
    """'1.23', or with ``se`` '1.23 ± 0.31': the mean and its standard error. Over search
    seeds: each is an independent search, so the spread of their regrets is what the mean is
    uncertain by."""
    finite = [v for v in values if v == v]
    missing = len(values) - len(finite)
    text = f"{statistics.mean(finite):.2f}" if finite else "-"
    if se and len(finite) >= 2:
        text += f" ± {statistics.stdev(finite) / len(finite) ** 0.5:.2f}"
    return text + (f" ({missing} none)" if missing else "")


def per_seed(rows: list, fraction: float, column: int) -> list[float]:
    """Each search seed's regret at one budget, averaged over the devices: the devices rank
    one search's evidence, so their regrets are not independent; the seeds are."""
    per_device = [[r for r, _ in row[column]] for row in rows if row[4] == fraction]
    return [statistics.mean(v for v in seed if v == v) if any(v == v for v in seed)
            else float("nan") for seed in zip(*per_device, strict=True)]


def table(rows: list, fractions: list[float]) -> list[str]:
    lines = ["regret in points (mean ± its standard error over search seeds / max); RAM: the "
             "choice's need / the cheapest's within 0.5 points of the best feasible", "",
             "| model | task | device | trials | advisor regret | max | advisor RAM | random "
             "regret | max | random RAM | always full | always LoRA r8 | always head |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for model, task, device, budget, fraction, ours, theirs, rules in rows:
        def cells(values: list[tuple[float, float]]) -> str:
            regrets = [r for r, _ in values]
            finite = [r for r in regrets if r == r] or [float("nan")]
            return (f"{mean(regrets, se=True)} | {max(finite):.2f} | "
                    f"{mean([m for _, m in values])}x")

        fixed = " | ".join("infeasible" if r != r else f"{r:.2f} ({m:.1f}x)"
                           for r, m in rules.values())
        lines.append(f"| {model} | {task} | {device} | {budget} ({fraction:.0%}) "
                     f"| {cells(ours)} | {cells(theirs)} | {fixed} |")
    lines.append("")
    for fraction in fractions:
        ours, theirs = per_seed(rows, fraction, 5), per_seed(rows, fraction, 6)
        if ours:
            gaps = [a - b for a, b in zip(ours, theirs, strict=True)]
            lines.append(f"- budget {fraction:.0%}: advisor mean regret {mean(ours, se=True)} "
                         f"points, random search {mean(theirs, se=True)} points, advisor - random "
                         f"{mean(gaps, se=True)} (± one standard error over {len(ours)} search "
                         "seeds, each averaged over the devices)")
    missing = sum(r != r for row in rows for r, _ in row[5])
    lines.append(f"- recommendations missing or infeasible where something fits: {missing}")
    return lines


def write(path: Path, grids: list[str], table_lines: list[str]) -> None:
    """The figures with what produced them (date, command, versions) as one section of
    docs/regret.md: a command run again replaces its own section and keeps the others, so the
    truths of different models and tasks can be measured in separate sessions."""
    from importlib import metadata

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("torch", "torchvision", "peft", "galore-torch", "optuna",
                          "scikit-learn"))
    heading = f"## `python benchmarks/regret.py {' '.join(sys.argv[1:])}`"
    section = [heading, "", f"Measured {datetime.now(UTC).date()} on {os.cpu_count()} CPU "
               f"cores ({versions}).", "", *[f"- {grid}" for grid in grids], "", *table_lines, ""]
    head, sections = HEAD, {}
    if path.is_file():
        head, *parts = path.read_text().split("\n## ")
        sections = {"## " + part.split("\n", 1)[0]: "## " + part.rstrip("\n") + "\n"
                    for part in parts}
    sections[heading] = "\n".join(section)
    write_text(path, head.rstrip("\n") + "\n\n" + "\n".join(sections.values()))
