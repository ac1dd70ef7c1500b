"""The app: a question on the left (device, model, task, scale, constraints), the answer on the
right (ranked candidates, the trade-off plot, the study and its search).

Everything it shows comes from the Python API (``study_evidence``, ``decide``, ``search``,
``export_choice``); the app only reads the form and draws. Slow calls (fitting the surrogate,
costing a new resolution, running trials) run in worker threads so the UI never freezes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from advisor.devices import Constraints, DeviceProfile, list_devices, load_device
from advisor.errors import AdvisorError, validation_message
from advisor.recommend import (
    Evidence,
    Option,
    Recommendation,
    decide,
    memory_limit,
    study_evidence,
)
from advisor.search import TRIAL_EPOCHS
from advisor.space import TASKS, Config
from advisor.surrogate import MIN_TRIALS
from advisor.tui.detail import OptionDetail
from advisor.tui.device_editor import DeviceEditor
from advisor.tui.export_screen import ExportScreen
from advisor.tui.help_screen import HelpScreen
from advisor.tui.labels import (
    accuracy_text,
    binding,
    compact_bytes,
    ram_text,
    seconds_text,
    short_label,
)
from advisor.tui.tradeoff import TradeOffPlot
from advisor.zoo import MODELS, resolve_model

# Two worker threads importing torch/torchvision at once can trip over torchvision's circular
# imports ("partially initialized module"); each worker imports them under this lock first.
_IMPORTS = threading.Lock()


def _import_torch_stack() -> None:
    with _IMPORTS:
        import advisor.cost.step
        import advisor.trial  # noqa: F401


CONSTRAINT_FIELDS = [("max_memory", "max memory", "e.g. 1.5GiB"),
                     ("max_update_time", "max update time", "seconds"),
                     ("max_storage", "max flash write", "e.g. 2MB"),
                     ("min_accuracy", "min accuracy", "0..1, e.g. 0.9")]


@dataclass(frozen=True)
class Question:
    """What the form asks, validated."""

    device: DeviceProfile
    model: str
    task: str
    batch_size: int | None
    resolution: int | None
    constraints: Constraints


class AdvisorApp(App[None]):
    CSS_PATH = "advisor.tcss"
    TITLE = "advisor"
    SUB_TITLE = "which fine-tuning fits your edge device?"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("r", "tab('ranked')", "Ranked"),
        Binding("p", "tab('plot')", "Plot"),
        Binding("s", "tab('search')", "Search"),
        Binding("f", "toggle_axis", "Mem/FLOPs"),
        Binding("e", "edit_device", "Device"),
        Binding("x", "export", "Export"),
        Binding("ctrl+r", "run_search", "Run search"),
        Binding("escape", "focus_list", "List", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, device: str | DeviceProfile = "jetson-nano",
                 model: str = "mobilenet_v3_small", task: str = "unseen",
                 storage: str | None = None, study: str | None = None,
                 epochs: int = TRIAL_EPOCHS, configs: list[Config] | None = None,
                 export_dir: str | Path | None = None, search_trials: int = 8) -> None:
        super().__init__()
        self.devices = {d.id: d for d in list_devices()}
        start = load_device(device)
        self.devices.setdefault(start.id, start)
        self.start_device, self.start_model, self.start_task = start.id, \
            resolve_model(model).name, task
        self.storage, self.study, self.epochs, self.configs = storage, study, epochs, configs
        self.export_dir = Path(export_dir) if export_dir else Path.cwd()
        self.search_trials = search_trials
        self.evidence: dict[tuple[str, str], Evidence] = {}
        self.question: Question | None = None
        self.result: Recommendation | None = None
        self.searching = False

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with VerticalScroll(id="controls"):
                yield Label("Device", classes="section")
                yield Select(self._device_options(), value=self.start_device, allow_blank=False,
                             id="device", compact=True)
                yield Label("Model", classes="section")
                yield Select([(name, name) for name in MODELS], value=self.start_model,
                             allow_blank=False, id="model", compact=True)
                yield Label("Task", classes="section")
                yield Select([(t, t) for t in TASKS], value=self.start_task, allow_blank=False,
                             id="task", compact=True)
                yield Label("Batch size · px", classes="section")
                with Horizontal(classes="pair"):
                    yield Input(id="batch_size", type="integer", placeholder="batch",
                                compact=True)
                    yield Input(id="resolution", type="integer", placeholder="px", compact=True)
                yield Label("Constraints", classes="section")
                for key, label, hint in CONSTRAINT_FIELDS:
                    yield Label(label, classes="field")
                    yield Input(id=key, placeholder=hint, compact=True)
                yield Static("", id="form-error")
            with Vertical(id="main"):
                yield Static("opening the study...", id="headline")
                with TabbedContent(initial="ranked", id="tabs"):
                    with TabPane("Ranked", id="ranked"):
                        yield DataTable(id="options", cursor_type="row", zebra_stripes=True)
                        yield Static("", id="reason")
                    with TabPane("Trade-off", id="plot"):
                        yield TradeOffPlot(id="tradeoff")
                    with TabPane("Search", id="search"):
                        yield Static("", id="study-status")
                        with Horizontal(classes="pair"):
                            yield Label("trials to add ")
                            yield Input(str(self.search_trials), id="search-trials",
                                        type="integer", compact=True)
                            yield Button("Run (ctrl+r)", id="run-search", compact=True)
                        yield ProgressBar(id="search-progress", show_eta=False)
                        yield Static("", id="search-log")
        yield Footer()

    def _device_options(self) -> list[tuple[str, str]]:
        return [(d.name if d.id != "custom" else f"✎ {d.name}", d.id)
                for d in self.devices.values()]

    def on_mount(self) -> None:
        table = self.query_one("#options", DataTable)
        table.add_columns("configuration", "accuracy", "RAM", "update", "fits")
        table.focus()
        self.ask()

    # -- the question -----------------------------------------------------------------------
    def read_question(self) -> Question:
        """The form as a Question; AdvisorError with one line naming the bad field."""
        values = {key: self.query_one(f"#{key}", Input).value.strip() or None
                  for key, _, _ in CONSTRAINT_FIELDS}
        try:
            constraints = Constraints(**values)
        except ValidationError as exc:
            raise AdvisorError(validation_message("constraints", exc)) from None
        scale = {}
        for key in ("batch_size", "resolution"):
            text = self.query_one(f"#{key}", Input).value.strip()
            scale[key] = int(text) if text else None
        return Question(device=self.devices[self.query_one("#device", Select).value],
                        model=self.query_one("#model", Select).value,
                        task=self.query_one("#task", Select).value, constraints=constraints,
                        **scale)

    def ask(self) -> None:
        """Re-read the form and re-rank (in a worker; the latest question wins)."""
        error = self.query_one("#form-error", Static)
        try:
            question = self.read_question()
        except AdvisorError as exc:
            error.update(str(exc))
            return
        error.update("")
        if question == self.question:
            return  # e.g. a Select announcing its initial value
        self.query_one("#batch_size", Input).placeholder = f"{question.device.batch_size}"
        self.query_one("#resolution", Input).placeholder = f"{question.device.resolution}"
        self.question = question
        self.rank(question)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if self.is_mounted:
            self.ask()

    @on(Input.Changed, "#controls Input")
    def _input_changed(self) -> None:
        self.ask()

    @work(thread=True, exclusive=True, group="rank")
    def rank(self, question: Question) -> None:
        key = (question.model, question.task)
        _import_torch_stack()
        try:
            if key not in self.evidence:
                self.call_from_thread(self._status, f"opening the study for {question.model} on "
                                      f"'{question.task}'...")
                self.evidence[key] = study_evidence(question.model, question.task, self.storage,
                                                    self.study, epochs=self.epochs,
                                                    run_search=False)
            self.call_from_thread(self._status, "ranking (a new resolution is costed once, "
                                  "about a second per configuration)...")
            result = decide(self.evidence[key], question.device, question.constraints,
                            question.batch_size, question.resolution, configs=self.configs)
        except AdvisorError as exc:
            self.call_from_thread(self._no_answer, question, str(exc))
            return
        self.call_from_thread(self._show, question, result)

    # -- the answer ---------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self.query_one("#headline", Static).update(text)

    def _no_answer(self, question: Question, message: str) -> None:
        if question != self.question:
            return
        self.result = None
        self.query_one("#options", DataTable).clear()
        hint = " Press s, then ctrl+r to run a search." if "trials" in message else ""
        self._status(f"[red]{message}[/]{hint}")
        self._show_study(None)

    def _show(self, question: Question, result: Recommendation) -> None:
        if question != self.question:
            return  # an older answer arriving late
        self.result = result
        table = self.query_one("#options", DataTable)
        cursor = table.cursor_row
        table.clear()
        for option in result.ranked:
            mark = "★ " if option is result.recommendation else ""
            table.add_row(mark + short_label(option), accuracy_text(option), ram_text(option),
                          seconds_text(option.update_seconds),
                          "✓" if option.feasible else f"✗ {binding(option)}",
                          key=option.config.key())
        table.move_cursor(row=min(cursor, len(result.ranked) - 1))
        self._show_reason()
        device = question.device
        chosen = result.recommendation
        limit = memory_limit(device, question.constraints)
        if chosen is None:
            headline = (f"[red]Nothing fits {device.name}.[/] {result.suggestion or ''}")
        else:
            headline = (f"[b]★ {chosen.label}[/]: accuracy {accuracy_text(chosen)} · "
                        f"RAM {ram_text(chosen)} of {compact_bytes(limit)} · "
                        f"{seconds_text(chosen.update_seconds)}/update (est.)")
        self._status(headline)
        self.query_one("#tradeoff", TradeOffPlot).show(result, limit, self._flops_limit(
            question, result))
        self._show_study(result)

    @staticmethod
    def _flops_limit(question: Question, result: Recommendation) -> float | None:
        """FLOPs per step the update-time limit allows (the inverse of update_seconds)."""
        seconds = question.constraints.max_update_time
        if seconds is None or not result.ranked:
            return None
        return seconds * question.device.training_flops_per_second() / result.ranked[0].steps

    def _show_study(self, result: Recommendation | None) -> None:
        q = self.question
        if result is None:
            text = (f"No usable study for {q.model} on '{q.task}' (needs {MIN_TRIALS} trials)."
                    if q else "")
        else:
            text = (f"Study {result.study}: {result.trials} trials; accuracy surrogate error "
                    f"±{100 * result.surrogate_error:.1f} points (cross-validated).")
        self.query_one("#study-status", Static).update(
            text + "\nEach trial is a short real fine-tune (seconds to a minute on a laptop).")

    def highlighted(self) -> Option | None:
        if self.result is None or not self.result.ranked:
            return None
        row = self.query_one("#options", DataTable).cursor_row
        return self.result.ranked[max(0, min(row, len(self.result.ranked) - 1))]

    @on(DataTable.RowHighlighted)
    def _show_reason(self) -> None:
        option = self.highlighted()
        self.query_one("#reason", Static).update(
            "" if option is None else f"{option.label}: {option.reason}")

    @on(DataTable.RowSelected)
    def _open(self) -> None:
        option = self.highlighted()
        if option is not None:
            self.push_screen(OptionDetail(option), self._after_detail)

    def _after_detail(self, action: str | None) -> None:
        if action == "export":
            self.action_export()

    # -- actions ------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        if tab == "ranked":
            self.query_one("#options", DataTable).focus()

    def action_focus_list(self) -> None:
        self.action_tab("ranked")

    def action_toggle_axis(self) -> None:
        axis = self.query_one("#tradeoff", TradeOffPlot).toggle_axis()
        self.action_tab("plot")
        self.notify(f"plotting accuracy against {'RAM' if axis == 'memory' else 'FLOPs'}")

    def action_edit_device(self) -> None:
        base = self.devices[self.query_one("#device", Select).value]
        self.push_screen(DeviceEditor(base), self._device_edited)

    def _device_edited(self, profile: DeviceProfile | None) -> None:
        if profile is None:
            return
        self.devices["custom"] = profile
        select = self.query_one("#device", Select)
        select.set_options(self._device_options())
        select.value = "custom"
        self.ask()

    def action_export(self) -> None:
        option = self.highlighted()
        if option is None or self.question is None or self.result is None:
            self.notify("nothing to export yet", severity="warning")
            return
        self.push_screen(ExportScreen(self.result, option, self.question.device,
                                      self.export_dir), self._exported)

    def _exported(self, written: list[Path] | None) -> None:
        if written:
            self.notify("wrote " + ", ".join(str(p) for p in written), timeout=6)

    @on(Button.Pressed, "#run-search")
    def action_run_search(self) -> None:
        if self.searching:
            self.notify("a search is already running", severity="warning")
            return
        if self.question is None:
            return
        text = self.query_one("#search-trials", Input).value.strip()
        trials = int(text) if text.isdigit() and int(text) > 0 else self.search_trials
        self.action_tab("search")
        bar = self.query_one("#search-progress", ProgressBar)
        bar.update(total=trials, progress=0)
        self.searching = True
        self.run_trials(self.question.model, self.question.task, trials)

    @work(thread=True, exclusive=True, group="search")
    def run_trials(self, model: str, task: str, trials: int) -> None:
        from advisor.search import search

        def done(study, trial) -> None:
            self.call_from_thread(self._trial_done, trial)

        _import_torch_stack()
        try:
            search(model, task, trials, self.storage, self.study, epochs=self.epochs,
                   show_progress=False, callbacks=[done])
        except AdvisorError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
        finally:
            self.call_from_thread(self._search_finished, model, task)

    def _trial_done(self, trial) -> None:
        self.query_one("#search-progress", ProgressBar).advance(1)
        result = trial.user_attrs.get("result")
        if result is not None:
            c = result["config"]
            what = (f"trial {trial.number}: {c['method']}" + (f" r{c['rank']}" if c["rank"] else "")
                    + f", accuracy {result['accuracy_after']:.1%}")
        elif "refused" in trial.user_attrs:
            what = f"trial {trial.number}: refused, no training: {trial.user_attrs['refused']}"
        else:
            what = f"trial {trial.number}: {trial.state.name.lower()}"
        self.query_one("#search-log", Static).update(what)

    def _search_finished(self, model: str, task: str) -> None:
        self.searching = False
        self.evidence.pop((model, task), None)  # refit the surrogate with the new trials
        self.notify("search finished: re-ranking with the new trials")
        self.ask()
