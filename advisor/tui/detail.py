"""One configuration opened: where its memory and FLOPs go, and how sure its accuracy is."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from advisor.decision.answer import Option
from advisor.decision.explain import accuracy, confirmed, human_bytes, human_count, human_duration

BAR = 24


def _bar(part: float, whole: float) -> Text:
    filled = round(BAR * part / whole) if whole else 0
    return Text("█" * filled + "·" * (BAR - filled), style="cyan")


def breakdown(option: Option) -> Table:
    """The memory breakdown at the peak moment, and the FLOPs by phase."""
    table = Table(box=None, pad_edge=False, show_header=False, expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    peak = option.peak_bytes
    table.add_row("memory at peak", human_bytes(peak), Text("(one training step, exact)",
                                                              style="dim"))
    for name, value in option.memory_breakdown.items():
        table.add_row(f"  {name}", human_bytes(value), _bar(value, peak))
    table.add_row("RAM needed", human_bytes(option.required_ram_bytes),
                  Text("peak + what the runtime adds", style="dim"))
    total = option.flops_per_step
    table.add_row("FLOPs per step", human_count(total), "")
    for name in ("forward", "backward", "optimizer"):
        value = option.flops_breakdown.get(name, 0)
        table.add_row(f"  {name}", human_count(value), _bar(value, total))
    return table


def summary(option: Option) -> Text:
    measured = (f", measured: mean of {option.measured_runs} trial"
                f"{'s' if option.measured_runs != 1 else ''} in the study"
                if option.measured_accuracy is not None else ", not tried: surrogate")
    lines = [
        Text(option.label, style="bold"),
        Text(f"accuracy {accuracy(option)}{measured}"),
        *([Text(f"at the device's resolution: {confirmed(option.confirmed)}")]
          if option.confirmed is not None else []),
        Text(f"update: {option.steps} steps, ~{human_duration(option.update_seconds)} (ESTIMATE: "
             "FLOPs / the device's sustained rate); lr {:.2g}, batch {}, {} px".format(
                 option.lr, option.batch_size, option.resolution)),
        Text(f"trainable parameters {option.params_trainable:,}; written to flash "
             f"{human_bytes(option.storage_bytes)}"),
        Text(("fits: " if option.feasible else "does not fit: ") + option.reason,
             style="green" if option.feasible else "red"),
    ]
    return Text("\n").join(lines)


class OptionDetail(ModalScreen[str | None]):
    """Escape closes; x exports this configuration (the app does the writing)."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close"), Binding("x", "export", "Export")]

    def __init__(self, option: Option) -> None:
        super().__init__()
        self.option = option

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(summary(self.option), id="detail-summary")
            yield Static(breakdown(self.option), id="detail-breakdown")
            yield Static("esc close · x export", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        self.dismiss("export")
