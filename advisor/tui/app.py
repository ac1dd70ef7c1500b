"""The app: a question on the left (device, model, task, scale, constraints), the answer on the
right (ranked candidates, the trade-off plot, the study and its search).

Everything it shows comes from the Python API (``evidence_of``, ``decide_question``,
``search``, ``export_choice``); the app only reads the form and draws. Slow calls (fitting the
surrogate, costing a new resolution, running trials) run in worker threads: the UI never freezes.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from advisor import defaults
from advisor.accuracy.estimate import NotEnoughTrials
from advisor.config import Config
from advisor.decision import explain
from advisor.decision.answer import Option, Recommendation
from advisor.decision.evidence import Evidence
from advisor.decision.feasibility import memory_limit
from advisor.decision.recommend import decide_question, evidence_of
from advisor.devices.profile import DeviceProfile, list_devices, load_device
from advisor.errors import AdvisorError
from advisor.tui.detail import OptionDetail
from advisor.tui.device_editor import DeviceEditor
from advisor.tui.export_screen import ExportScreen
from advisor.tui.form import Asked, Question, QuestionForm
from advisor.tui.help_screen import HelpScreen
from advisor.tui.imports import import_torch_stack
from advisor.tui.search_pane import SearchPane
from advisor.tui.tradeoff import TradeOffPlot
from advisor.zoo import resolve_model


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
                 model: str = defaults.MODEL, task: str = defaults.TASK,
                 storage: str | None = None, study: str | None = None,
                 epochs: int = defaults.EPOCHS, configs: list[Config] | None = None,
                 export_dir: str | Path | None = None, search_trials: int = 8,
                 dataset: str | None = None) -> None:
        super().__init__()
        self.devices = {d.id: d for d in list_devices()}
        start = load_device(device)
        self.devices.setdefault(start.id, start)
        self.start_device, self.start_model, self.start_task = start.id, \
            resolve_model(model).name, task
        self.storage, self.study, self.epochs, self.configs = storage, study, epochs, configs
        self.dataset = dataset  # None: the shipped evidence where there is some
        self.export_dir = Path(export_dir) if export_dir else Path.cwd()
        self.search_trials = search_trials
        self.evidence: dict[tuple[str, str], Evidence] = {}
        self.asked: Asked | None = None
        self.result: Recommendation | None = None

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield QuestionForm(self.devices, self.start_device, self.start_model,
                               self.start_task, id="controls")
            with Vertical(id="main"):
                yield Static("opening the study...", id="headline")
                with TabbedContent(initial="ranked", id="tabs"):
                    with TabPane("Ranked", id="ranked"):
                        yield DataTable(id="options", cursor_type="row", zebra_stripes=True)
                        yield Static("", id="reason")
                    with TabPane("Trade-off", id="plot"):
                        yield TradeOffPlot(id="tradeoff")
                    with TabPane("Search", id="search"):
                        yield SearchPane(self.storage, self.study, self.dataset, self.epochs,
                                         self.search_trials, id="search-pane")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#options", DataTable)
        table.add_columns("configuration", "accuracy", "RAM", "update", "fits")
        table.focus()
        self.ask()

    # -- the question -----------------------------------------------------------------------
    @property
    def form(self) -> QuestionForm:
        return self.query_one(QuestionForm)

    @property
    def search_pane(self) -> SearchPane:
        return self.query_one(SearchPane)

    @property
    def searching(self) -> bool:
        return self.search_pane.searching

    def ask(self) -> None:
        """Re-read the form and re-rank (in a worker; the latest question wins)."""
        try:
            asked = self.form.read()
        except AdvisorError as exc:
            self.form.error(str(exc))
            return
        self.form.error("")
        if asked == self.asked:
            return  # e.g. a Select announcing its initial value
        self.form.show_device_defaults(asked.question.device)
        self.asked = asked
        self.rank(asked)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if self.is_mounted:
            self.ask()

    @on(Input.Changed, "#controls Input")
    def _input_changed(self) -> None:
        self.ask()

    @work(thread=True, exclusive=True, group="rank")
    def rank(self, asked: Asked) -> None:
        from advisor.program.advice import OPTIMIZER, decide_program  # exports front-runners

        program = asked.question.device.runtime_name == "executorch"
        key = (asked.model, asked.task, program)  # a program's evidence: SGD's trials
        import_torch_stack()
        try:
            if key not in self.evidence:
                self.call_from_thread(self._status, f"opening the evidence for {asked.model} "
                                      f"on '{asked.task}'...")
                self.evidence[key] = evidence_of(asked.model, asked.task, self.storage,
                                                 self.study, self.epochs, self.dataset,
                                                 OPTIMIZER if program else defaults.OPTIMIZER)
            self.call_from_thread(self._status, "ranking (a new resolution is costed once, "
                                  "about a second per configuration)...")
            decider = decide_program if program else decide_question
            result = decider(self.evidence[key], asked.question, self.configs)
        except AdvisorError as exc:
            self.call_from_thread(self._no_answer, asked, exc)
            return
        self.call_from_thread(self._show, asked, result)

    # -- the answer ---------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self.query_one("#headline", Static).update(text)

    def _no_answer(self, asked: Asked, error: AdvisorError) -> None:
        if asked != self.asked:
            return
        self.result = None
        self.query_one("#options", DataTable).clear()
        hint = (" Press s, then ctrl+r to run a search."
                if isinstance(error, NotEnoughTrials) else "")
        self._status(f"[red]{error}[/]{hint}")
        self.search_pane.show_study(asked.model, asked.task, None)

    def _show(self, asked: Asked, result: Recommendation) -> None:
        if asked != self.asked:
            return  # an older answer arriving late
        self.result = result
        table = self.query_one("#options", DataTable)
        cursor = table.cursor_row
        table.clear()
        for option in result.ranked:
            mark = "★ " if option is result.recommendation else ""
            broken = explain.constraint_names(option.violations)
            table.add_row(mark + explain.short_label(option, compact=True),
                          explain.accuracy(option, compact=True),
                          explain.human_bytes(option.required_ram_bytes, compact=True),
                          f"~{explain.human_duration(option.update_seconds)}",
                          f"✗ {broken}" if broken else "✓", key=option.config.key())
        table.move_cursor(row=min(cursor, len(result.ranked) - 1))
        self._show_reason()
        device = asked.question.device
        chosen = result.recommendation
        limit = memory_limit(device, asked.question.constraints)
        if chosen is None:
            headline = (f"[red]Nothing fits {device.name}.[/] {result.suggestion or ''}")
        else:
            headline = (f"[b]★ {chosen.label}[/]: accuracy "
                        f"{explain.accuracy(chosen, compact=True)} · "
                        f"RAM {explain.human_bytes(chosen.required_ram_bytes, compact=True)} of "
                        f"{explain.human_bytes(limit, compact=True)} · "
                        f"~{explain.human_duration(chosen.update_seconds)}/update (est.)")
        self._status(headline)
        self.query_one("#tradeoff", TradeOffPlot).show(result, limit, self._flops_limit(
            asked.question, result))
        self.search_pane.show_study(asked.model, asked.task, result)

    @staticmethod
    def _flops_limit(question: Question, result: Recommendation) -> float | None:
        """FLOPs per step the update-time limit allows (the inverse of update_seconds)."""
        seconds = question.constraints.max_update_time
        if seconds is None or not result.ranked:
            return None
        return seconds * question.device.training_flops_per_second() / result.ranked[0].steps

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
        if profile is not None:
            self.form.add_device(profile)
            self.ask()

    def action_export(self) -> None:
        option = self.highlighted()
        if option is None or self.asked is None or self.result is None:
            self.notify("nothing to export yet", severity="warning")
            return
        self.push_screen(ExportScreen(self.result, option, self.asked.question.device,
                                      self.export_dir), self._exported)

    def _exported(self, written: list[Path] | None) -> None:
        if written:
            self.notify("wrote " + ", ".join(str(p) for p in written), timeout=6)

    def action_run_search(self) -> None:
        if self.asked is None:
            return
        if not self.search_pane.start(self.asked):
            self.notify("a search is already running", severity="warning")
            return
        self.action_tab("search")

    @on(SearchPane.Finished)
    def _search_finished(self, event: SearchPane.Finished) -> None:
        self.evidence.pop((event.model, event.task), None)  # refit with the new trials
        if self.dataset != self.search_pane.dataset:  # from now on the studies, not shipped
            self.dataset = self.search_pane.dataset
            self.evidence.clear()
        self.notify("search finished: re-ranking with the new trials")
        self.ask()
