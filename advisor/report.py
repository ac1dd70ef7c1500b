"""Rendering shared by the CLI commands: one JSON document, or rich tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

console = Console()


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout."""
    if isinstance(document, BaseModel):
        text = document.model_dump_json(indent=2)
    else:
        text = json.dumps(document, indent=2, default=_default)
    sys.stdout.write(text + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    t = Table(title=title, title_justify="left")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*(str(cell) for cell in row))
    console.print(t)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def human_count(n: float, unit: str = "") -> str:
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {prefix}{unit}"
    return f"{n:.0f} {unit}".strip()


def print_recommendation(result) -> None:
    """A person's view of a Recommendation: the choice, its cost, slack, runners-up, caveats."""
    from rich.panel import Panel

    o = result.recommendation
    head = f"{result.device_name} ({result.device}) · {result.model} · task {result.task}"
    if o is None:
        console.print(Panel(f"[bold red]Nothing feasible.[/] {result.suggestion}", title=head))
    else:
        rank = f", rank {o.rank}, targets {o.targets}" if o.rank is not None else ""
        measured = (f" (best trial: {o.best_trial_accuracy:.1%})"
                    if o.best_trial_accuracy is not None else " (untried: surrogate only)")
        m = o.memory_breakdown
        lines = [
            f"[bold green]{o.method}[/]{rank}, lr {o.lr:.2g}, batch {o.batch_size}, "
            f"{o.resolution} px, {o.epochs} epochs",
            f"predicted accuracy {o.predicted_accuracy:.1%} ± {o.accuracy_error:.1%}{measured}",
            f"peak memory {human_bytes(o.peak_bytes)} (params {human_bytes(m['params'])}, grads "
            f"{human_bytes(m['grads'])}, optimizer {human_bytes(m['optimizer'])}, activations "
            f"{human_bytes(m['activations'])}, temp {human_bytes(m['temp'])}); "
            f"RAM needed {human_bytes(o.required_ram_bytes)}",
            f"{human_count(o.flops_per_step, 'FLOP')} per step x {o.steps} steps; "
            f"estimated update time {o.update_seconds:.0f} s (estimate)",
            f"writes {human_bytes(o.storage_bytes)} to flash; "
            f"{o.params_trainable:,} trainable parameters",
            "slack: " + ", ".join(
                f"{k.replace('_bytes', '')} {human_bytes(v) if k.endswith('bytes') else f'{v:.3g}'}"
                for k, v in o.slack.items()),
        ]
        console.print(Panel("\n".join(lines), title=head))
    rows = [[a.label, f"{a.predicted_accuracy:.1%}", human_bytes(a.required_ram_bytes),
             f"{a.update_seconds:.0f} s", human_bytes(a.storage_bytes), a.reason]
            for a in result.alternatives]
    table("Runners-up (best of each method) and why each lost",
          ["configuration", "pred. acc.", "RAM need", "time (est.)", "flash", "why not"], rows)
    for note in result.notes:
        console.print(f"· {note}", style="dim", highlight=False)
