"""The keys, in one screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# advisor: which fine-tuning fits your device?

Left: the question (device, model, task, batch, resolution, constraints).
Right: every candidate configuration ranked for it, best first; infeasible ones say which
limit they break. The list re-ranks as you type.

- **tab / shift+tab**: move between the fields and the list
- **enter** on a row: the configuration's cost breakdown and accuracy with its error
- **r / p / s**: ranked list / trade-off plot / search tab
- **f**: plot against FLOPs instead of RAM, and back
- **e**: edit a custom device (RAM, flash, compute), validated as you type
- **ctrl+r**: start or extend the search (short real trials, in the background)
- **x**: export the highlighted configuration (JSON/TOML) and its commands
- **escape**: back to the list · **?**: this help · **q**: quit

Accuracy: measured where the study tried a configuration, else the surrogate's prediction,
with its cross-validated error. Memory, FLOPs and flash: exact for one training step at the
device's batch and resolution. Update time: an ESTIMATE from the device's sustained rate.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
