"""Edit a custom device: every keystroke is validated by the same pydantic DeviceProfile the CLI
loads files with, so the app can never hold a device the API would refuse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from advisor.devices.profile import DeviceProfile
from advisor.errors import AdvisorError, validated

FIELDS = [  # (input id, label, how to read it from a profile)
    ("name", "Name", lambda d: d.name),
    ("ram", "RAM", lambda d: d.ram.human_readable()),
    ("usable_ram", "Usable RAM", lambda d: d.usable_ram.human_readable()),
    ("flash", "Flash / disk", lambda d: d.flash.human_readable()),
    ("training_gflops", "Training GFLOP/s", lambda d: f"{d.compute.training_gflops:g}"),
    ("fp32_peak_gflops", "FP32 peak GFLOP/s", lambda d: f"{d.compute.fp32_peak_gflops:g}"),
    ("batch_size", "Batch size", lambda d: str(d.batch_size)),
    ("resolution", "Resolution px", lambda d: str(d.resolution)),
]
COMPUTE = {"training_gflops", "fp32_peak_gflops"}


def edited_profile(base: DeviceProfile, values: dict[str, str]) -> DeviceProfile:
    """``base`` with the typed values; an AdvisorError of one line if one is invalid."""
    data = base.model_dump()
    data["id"] = "custom"
    data["sources"] = ["entered in advisor tui", *base.sources]
    shown = {key: read(base) for key, _, read in FIELDS}
    for key, value in values.items():
        if value.strip() == shown[key]:
            continue  # untouched: keep the exact figure (the field shows it rounded)
        target = data["compute"] if key in COMPUTE else data
        target[key] = value.strip()
        if key == "training_gflops":
            data["compute"]["training_gflops_basis"] = "entered by the user"
    return validated(DeviceProfile, data, "device")


class DeviceEditor(ModalScreen[DeviceProfile | None]):
    """Starts from the selected device; Save is enabled only while every field is valid."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, base: DeviceProfile) -> None:
        super().__init__()
        self.base = base
        self.profile: DeviceProfile | None = base

    def compose(self) -> ComposeResult:
        with Vertical(id="editor"):
            yield Label(f"Custom device (from {self.base.name})", classes="title")
            with Grid(id="editor-grid"):
                for key, label, read in FIELDS:
                    yield Label(label)
                    yield Input(read(self.base), id=f"dev-{key}", compact=True)
            yield Static("", id="device-error")
            with Grid(id="editor-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_input_changed(self, event: Input.Changed) -> None:
        values = {key: self.query_one(f"#dev-{key}", Input).value for key, _, _ in FIELDS}
        error = self.query_one("#device-error", Static)
        try:
            self.profile = edited_profile(self.base, values)
        except AdvisorError as exc:
            self.profile = None
            error.update(str(exc))
            error.add_class("shown")
        else:
            error.update("")
            error.remove_class("shown")
        self.query_one("#save", Button).disabled = self.profile is None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        if self.profile is not None:
            self.dismiss(self.profile)

    def action_cancel(self) -> None:
        self.dismiss(None)
