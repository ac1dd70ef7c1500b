"""The Search tab: the study's size and error, and more real trials run in a worker thread
with a progress bar and the last trial's outcome."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, Static

from advisor import defaults
from advisor.decision.answer import Recommendation
from advisor.devices.profile import DeviceProfile
from advisor.errors import AdvisorError
from advisor.tui.form import Asked
from advisor.tui.imports import import_torch_stack


class SearchPane(Vertical):
    class Finished(Message):
        """A search ended (or failed): the study of (model, task) has new trials."""

        def __init__(self, model: str, task: str) -> None:
            super().__init__()
            self.model, self.task = model, task

    def __init__(self, storage: str | None, study: str | None, dataset: str | None, epochs: int,
                 trials: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.storage, self.study, self.epochs, self.default_trials = storage, study, epochs, \
            trials
        self.dataset = dataset or defaults.DATASET
        self.searching = False

    def compose(self) -> ComposeResult:
        yield Static("", id="study-status")
        with Horizontal(classes="pair"):
            yield Label("trials to add ")
            yield Input(str(self.default_trials), id="search-trials", type="integer",
                        compact=True)
            yield Button("Run (ctrl+r)", id="run-search", compact=True)
        yield ProgressBar(id="search-progress", show_eta=False)
        yield Static("", id="search-log")

    def show_study(self, model: str, task: str, result: Recommendation | None) -> None:
        if result is None:
            text = (f"No usable study for {model} on '{task}' (needs {defaults.MIN_TRIALS} "
                    "trials).")
        else:
            text = (f"Evidence: {result.study}, {result.trials} trials on "
                    f"{result.basis.dataset}. Accuracies are means of repeated trials or "
                    "surrogate predictions, each with its 90% interval.\nA search here adds "
                    f"trials to the study on {self.dataset}, which the app then uses.")
        self.query_one("#study-status", Static).update(
            text + "\nEach trial is a short real fine-tune (seconds to a minute on a laptop).")

    def start(self, asked: Asked) -> bool:
        """Run the number of trials typed (in a worker) on the question's model and task,
        for its device (its front-runners are the ones confirmed); False if one is running
        already."""
        if self.searching:
            return False
        text = self.query_one("#search-trials", Input).value.strip()
        trials = int(text) if text.isdigit() and int(text) > 0 else self.default_trials
        self.query_one("#search-progress", ProgressBar).update(total=trials, progress=0)
        self.searching = True
        self.run_trials(asked.model, asked.task, trials, asked.question.device)
        return True

    @on(Button.Pressed, "#run-search")
    def _pressed(self) -> None:
        self.app.action_run_search()

    @work(thread=True, exclusive=True, group="search")
    def run_trials(self, model: str, task: str, trials: int, device: DeviceProfile) -> None:
        from advisor.study.search import search

        def done(study, trial) -> None:
            self.app.call_from_thread(self._trial_done, trial)

        from advisor import allocator

        allocator.use_fitted()  # as `advisor search` does: its RAM figures' heap behaviour
        import_torch_stack()
        try:
            search(model, task, trials, self.storage, self.study, self.dataset,
                   epochs=self.epochs, show_progress=False, callbacks=[done],
                   devices=[device])
        except AdvisorError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
        finally:
            self.app.call_from_thread(self._finished, model, task)

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

    def _finished(self, model: str, task: str) -> None:
        self.searching = False
        self.post_message(self.Finished(model, task))
