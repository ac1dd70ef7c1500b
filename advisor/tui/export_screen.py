"""Export the chosen configuration: a path to type, the files written, the commands shown."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from advisor.decision.answer import Option, Recommendation
from advisor.decision.export import commands, device_file, export_choice
from advisor.devices.profile import DeviceProfile
from advisor.errors import AdvisorError

DEFAULT_NAME = "advisor-choice"


class ExportScreen(ModalScreen[list[Path] | None]):
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, result: Recommendation, option: Option, device: DeviceProfile,
                 directory: Path) -> None:
        super().__init__()
        self.result, self.option, self.device, self.directory = result, option, device, directory

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label(f"Export {self.option.label}", classes="title")
            yield Label("File (.json, .toml, or no suffix for both); enter writes, esc closes")
            yield Input(DEFAULT_NAME, id="export-path", compact=True)
            beside = device_file(self.device, DEFAULT_NAME)
            shown = commands(self.result, self.option, str(beside or self.device.id))
            yield Static("\n".join(f"$ {line}" for line in shown.values()), id="export-commands")
            yield Static("", id="export-status")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        target = Path(event.value.strip() or DEFAULT_NAME)
        if not target.is_absolute():
            target = self.directory / target
        try:
            written = export_choice(self.result, self.option, self.device, target)
        except AdvisorError as exc:
            self.query_one("#export-status", Static).update(f"[red]{exc}[/]")
            return
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
