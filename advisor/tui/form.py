"""The question, on the left: device, model, task, scale and constraints, read and validated
by the same models the CLI and the Python API use (the decision's ``Question``)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from advisor import defaults
from advisor.decision.question import Question
from advisor.devices.profile import Constraints, DeviceProfile
from advisor.errors import validated
from advisor.zoo import MODELS

CONSTRAINT_FIELDS = [("max_memory", "max memory", "e.g. 1.5GiB"),
                     ("max_update_time", "max update time", "seconds"),
                     ("max_flash", "max flash write", "e.g. 2MB"),
                     ("min_accuracy", "min accuracy", "0..1, e.g. 0.9")]


@dataclass(frozen=True)
class Asked:
    """What the form asks: the evidence about (model, task), and the question put to it."""

    model: str
    task: str
    question: Question


def device_options(devices: dict[str, DeviceProfile]) -> list[tuple[str, str]]:
    return [(d.name if d.id != "custom" else f"✎ {d.name}", d.id) for d in devices.values()]


class QuestionForm(VerticalScroll):
    def __init__(self, devices: dict[str, DeviceProfile], device: str, model: str, task: str,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.devices, self.start = devices, (device, model, task)

    def compose(self) -> ComposeResult:
        device, model, task = self.start
        yield Label("Device", classes="section")
        yield Select(device_options(self.devices), value=device, allow_blank=False,
                     id="device", compact=True)
        yield Label("Model", classes="section")
        names = [*MODELS, *([model] if model not in MODELS else [])]  # any CNN by --model
        yield Select([(name, name) for name in names], value=model, allow_blank=False,
                     id="model", compact=True)
        yield Label("Task", classes="section")
        yield Select([(t, t) for t in defaults.TASKS], value=task, allow_blank=False,
                     id="task", compact=True)
        yield Label("Batch size · px", classes="section")
        with Horizontal(classes="pair"):
            yield Input(id="batch_size", type="integer", placeholder="batch", compact=True)
            yield Input(id="resolution", type="integer", placeholder="px", compact=True)
        yield Label("Constraints", classes="section")
        for key, label, hint in CONSTRAINT_FIELDS:
            yield Label(label, classes="field")
            yield Input(id=key, placeholder=hint, compact=True)
        yield Static("", id="form-error")

    def read(self) -> Asked:
        """The form, checked; AdvisorError with one line naming the bad field."""
        values = {key: self.query_one(f"#{key}", Input).value.strip() or None
                  for key, _, _ in CONSTRAINT_FIELDS}
        constraints = validated(Constraints, values, "constraints")
        scale = {}
        for key in ("batch_size", "resolution"):
            text = self.query_one(f"#{key}", Input).value.strip()
            scale[key] = int(text) if text else None
        question = Question.ask(self.devices[self.query_one("#device", Select).value],
                                constraints, **scale)
        return Asked(model=self.query_one("#model", Select).value,
                     task=self.query_one("#task", Select).value, question=question)

    def show_device_defaults(self, device: DeviceProfile) -> None:
        """The device's own batch size and resolution as the placeholders."""
        self.query_one("#batch_size", Input).placeholder = f"{device.batch_size}"
        self.query_one("#resolution", Input).placeholder = f"{device.resolution}"

    def add_device(self, profile: DeviceProfile) -> None:
        """Select a custom device (after the editor)."""
        self.devices["custom"] = profile
        select = self.query_one("#device", Select)
        select.set_options(device_options(self.devices))
        select.value = "custom"

    def error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)
