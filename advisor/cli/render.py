"""What the CLI prints: one JSON document, or rich tables and panels for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from advisor.decision.explain import (
    accuracy,
    confirmed,
    decided_there,
    human_bytes,
    human_count,
)

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


def print_recommendation(result) -> None:
    """A person's view of a Recommendation: the choice, its cost, slack, runners-up, caveats."""
    from rich.panel import Panel

    o = result.recommendation
    head = f"{result.device_name} ({result.device}) · {result.model} · task {result.task}"
    if o is None:
        console.print(Panel(f"[bold red]Nothing feasible.[/] {result.suggestion}", title=head))
    else:
        measured = (f" (measured: mean of {o.measured_runs} trial"
                    f"{'s' if o.measured_runs != 1 else ''})"
                    if o.measured_accuracy is not None else " (untried: surrogate only)")
        m = o.memory_breakdown
        lines = [
            f"[bold green]{o.label}[/], lr {o.lr:.2g}, batch {o.batch_size}, "
            f"{o.resolution} px, {o.epochs} epochs",
            *([f"accuracy {confirmed(o.confirmed)}; {accuracy(o)} at the trials' "
               f"{result.basis.trial_resolution} px{measured}"] if decided_there(o) else
              [f"accuracy {accuracy(o)}{measured}"]),
            f"peak memory {human_bytes(o.peak_bytes)} (params {human_bytes(m['params'])}, grads "
            f"{human_bytes(m['grads'])}, optimizer {human_bytes(m['optimizer'])}, activations "
            f"{human_bytes(m['activations'])}, temp {human_bytes(m['temp'])}); "
            f"RAM needed {human_bytes(o.required_ram_bytes)}" + (
                f" (the ExecuTorch program's: planned arena "
                f"{human_bytes(o.program_memory['arena_bytes'])})" if o.program_memory else ""),
            f"{human_count(o.flops_per_step, 'FLOP')} per step x {o.steps} steps; "
            f"estimated update time {o.update_seconds:.0f} s (estimate)",
            f"writes {human_bytes(o.storage_bytes)} to flash; "
            f"{o.params_trainable:,} trainable parameters",
            "slack: " + ", ".join(_slack(k, v) for k, v in o.slack.items()),
        ]
        console.print(Panel("\n".join(lines), title=head))
    if result.ties:
        console.print(f"[bold]Ties:[/] {result.ties}", highlight=False)
    print_runners_up(result.alternatives)
    for note in result.notes:
        console.print(f"· {note}", style="dim", highlight=False)


def print_runners_up(alternatives) -> None:
    """The runners-up in an 80-column terminal, each row on at most two lines: short reasons
    (the full ones are in --json and the TUI), no vertical rules."""
    from rich import box

    from advisor.decision.explain import SHORT_LEGEND, human_duration, short_label, short_reason

    # Fixed widths, no padding: 23 + 6 + 10 + 6 + 10 + 20 and the box's five one-space rules
    # make 80 columns; the cells (short_label, short_reason) are written to fit two lines.
    t = Table(title="Runners-up (best of each method)", title_justify="left",
              box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
    t.add_column("configuration", width=23, overflow="fold")
    for name, width in (("acc.", 6), ("RAM need", 10), ("time~", 6), ("flash", 10)):
        t.add_column(name, justify="right", no_wrap=True, width=width)
    t.add_column("why not", width=20, overflow="fold")
    for a in alternatives:
        shown = f"{a.confirmed.accuracy:.1%}†" if decided_there(a) else \
            f"{a.predicted_accuracy:.1%}" + ("*" if a.extrapolated else "")
        t.add_row(short_label(a), shown,
                  human_bytes(a.required_ram_bytes), human_duration(a.update_seconds),
                  human_bytes(a.storage_bytes), short_reason(a.standing, a.violations))
    console.print(t)
    marked = "*: BatchNorm at the device's batch, extrapolated from the trials'; " \
        if any(a.extrapolated for a in alternatives) else ""
    there = next((a.confirmed.resolution for a in alternatives if decided_there(a)), None)
    marked += f"†: measured at {there} px, where the choice was made; " if there else ""
    console.print(f"{marked}{SHORT_LEGEND}; time~: estimate; full reasons: --json",
                  style="dim", highlight=False)


def _slack(constraint: str, value: float) -> str:
    if constraint in ("memory", "flash"):
        return f"{constraint} {human_bytes(value)}"
    if constraint == "update_time":
        return f"time {value:.3g} s"
    return f"{constraint} {value:.3g}"


def print_devices(devices) -> None:
    table("Device catalog (--device takes an id or a path to your own .toml)",
          ["id", "name", "usable RAM / total", "flash", "training GFLOP/s (est.)"],
          [[d.id, d.name, f"{human_bytes(d.usable_ram)} / {human_bytes(d.ram)}",
            human_bytes(d.flash), f"{d.compute.training_gflops:g}"] for d in devices])


def print_trial(result) -> None:
    c = result.config
    table(f"Trial: {c.label} on {c.model}, task {c.task}", ["measure", "value"],
          [["source accuracy (pretrained)", f"{result.source_accuracy:.1%}"],
           ["target accuracy before", f"{result.accuracy_before:.1%}"],
           ["target accuracy after", f"{result.accuracy_after:.1%}"],
           ["trainable / total params",
            f"{result.params_trainable:,} / {result.params_total:,} "
            f"({result.params_trainable / result.params_total:.2%})"],
           ["optimizer steps", result.steps],
           ["fine-tune time (host)", f"{result.train_seconds:.1f} s"],
           ["wall time", f"{result.wall_seconds:.1f} s"]])


def print_step_cost(cost) -> None:
    f, m = cost.flops, cost.memory
    table(f"One training step: {cost.config.label} on {cost.model}, batch {cost.batch_size} at "
          f"{cost.resolution} px ({cost.mode} tensors, {cost.seconds:.1f} s)", ["cost", "value"],
          [["FLOPs forward / backward / optimizer",
            f"{human_count(f.forward)} / {human_count(f.backward)} / {human_count(f.optimizer)}"],
           ["FLOPs total", human_count(f.total, "FLOP")],
           ["peak memory (true simultaneous)", human_bytes(m.peak_bytes)],
           ["  at the peak: params / buffers / grads",
            f"{human_bytes(m.params)} / {human_bytes(m.buffers)} / {human_bytes(m.grads)}"],
           ["  at the peak: optimizer / activations / temp",
            f"{human_bytes(m.optimizer)} / {human_bytes(m.activations)} / {human_bytes(m.temp)}"],
           ["sum of category maxima (the paper's bound)", human_bytes(m.sum_of_category_maxima)],
           ["parameters trainable / total",
            f"{cost.params.trainable:,} / {cost.params.total:,}"],
           ["storage to flash (safetensors)", human_bytes(cost.storage_bytes)]])
    if cost.uncounted_ops:
        console.print(f"FLOPs not counted for {len(cost.uncounted_ops)} op(s) the counter does "
                      f"not know (memory is exact): {', '.join(cost.uncounted_ops)}")


def print_study(name: str, trials: int, states: dict[str, int], best: list[dict]) -> None:
    table(f"Study {name}: {trials} trials ({', '.join(f'{v} {k}' for k, v in states.items())})",
          ["method", "rank", "targets", "lr", "accuracy after", "peak (trial scale)"],
          [[r["config"]["method"], r["config"]["rank"] or "-", r["config"]["targets"],
            f"{r['config']['lr']:.2g}", f"{r['accuracy_after']:.1%}",
            human_bytes(r["cost"]["memory"]["peak_bytes"])] for r in best])


def print_benchmark(report) -> None:
    table(f"advisor benchmark: {report.runs} runs ({report.executed} run now, "
          f"{report.failed} failed, {report.refused} refused) -> {report.out}",
          ["claim", "verdict on our data"], [[c.claim, c.verdict] for c in report.claims])
    for f in report.files:
        print(f"wrote {f}")
    for name, n in report.seeded.items():
        print(f"seeded study {name} with {n} trials")
