"""The TUI driven through Textual's pilot: it re-ranks on every change, validates input, exports,
searches in the background. Its study is conftest's recorded_study (real trial results), so no
test here trains anything except the search test."""

import json
import shutil

import pytest
from rich.console import Console

from advisor.config import Config
from advisor.devices.profile import load_device
from advisor.study.search import open_study
from advisor.tui.app import AdvisorApp
from advisor.tui.detail import OptionDetail, breakdown
from advisor.tui.device_editor import DeviceEditor
from advisor.tui.help_screen import HelpScreen

# A few candidates keep first-time costing short on a fresh machine.
CONFIGS = [Config(method="full"), Config(method="head"), Config(method="bias"),
           Config(method="lora", rank=8, targets="no-depthwise"),
           Config(method="galore", rank=2, targets="pointwise"),
           Config(method="dora", rank=4, targets="no-depthwise")]
SIZE = (80, 24)


@pytest.fixture
def study_db(recorded_study):
    return recorded_study


@pytest.fixture
def make_app(study_db, tmp_path):
    def make(**kw):
        return AdvisorApp(storage=f"sqlite:///{study_db}", configs=CONFIGS,
                          export_dir=tmp_path, **kw)
    return make


async def settle(pilot):
    """Until every worker (ranking, costing) has finished and the screen has caught up."""
    await pilot.pause()
    while any(w.is_running for w in pilot.app.workers):
        await pilot.pause(0.05)
    await pilot.pause()


def first_row(app) -> str:
    return str(app.query_one("#options").get_row_at(0)[0])


async def test_selecting_a_device_changes_the_recommendation(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        on_jetson = app.result.recommendation
        assert on_jetson is not None and first_row(app).startswith("★")
        app.query_one("#device").value = "esp32-s3-psram"
        await settle(pilot)
        on_esp = app.result
        assert on_esp.device == "esp32-s3-psram"
        # The Jetson's choice needs more RAM than the ESP32 has, so the answer must change.
        assert on_esp.recommendation is not None
        assert on_esp.recommendation.label != on_jetson.label
        assert on_esp.recommendation.required_ram_bytes <= load_device("esp32-s3-psram").usable_ram
        jetson_choice = next(o for o in on_esp.ranked if o.label == on_jetson.label)
        assert not jetson_choice.feasible and jetson_choice.violations[0].constraint == "memory"
        assert app.query_one("#batch_size").placeholder == "1"  # the device's own batch size


async def test_a_constraint_re_ranks_and_names_the_binding_limit(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.result.recommendation
        app.query_one("#max_memory").value = "300MiB"  # met with a lever, said so
        await settle(pilot)
        after = app.result.recommendation
        assert after is not None and after.required_ram_bytes <= 300 * 2**20
        assert after.micro_batch or after.checkpointing
        assert before.required_ram_bytes > 300 * 2**20 and "fits with" in after.reason
        app.query_one("#max_memory").value = ""
        app.query_one("#max_flash").value = "1MB"  # no lever shrinks what must be written
        await settle(pilot)
        heavy = next(o for o in app.result.ranked if o.label == before.label)
        assert not heavy.feasible and app.result.recommendation.label != before.label
        table = app.query_one("#options")
        row = app.result.ranked.index(heavy)
        assert str(table.get_row_at(row)[-1]) == "✗ flash"


async def test_an_invalid_constraint_shows_one_line_and_keeps_the_last_answer(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = app.result
        app.query_one("#min_accuracy").value = "1.5"
        await settle(pilot)
        assert "min_accuracy" in str(app.query_one("#form-error").render())
        assert app.result is shown


async def test_an_invalid_ram_value_shows_an_error_and_disables_save(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, DeviceEditor)
        editor.query_one("#dev-ram").value = "lots"
        await pilot.pause()
        assert "ram" in str(editor.query_one("#device-error").render())
        assert editor.query_one("#save").disabled
        editor.query_one("#dev-ram").value = "1GiB"
        editor.query_one("#dev-usable_ram").value = "2GiB"  # more usable than total
        await pilot.pause()
        assert "usable_ram cannot exceed ram" in str(editor.query_one("#device-error").render())
        editor.query_one("#dev-usable_ram").value = "200MiB"
        await pilot.pause()
        assert not editor.query_one("#save").disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.asked.question.device.id == "custom"
        assert app.asked.question.device.usable_ram == 200 * 2**20
        assert all(o.required_ram_bytes <= 200 * 2**20 for o in app.result.ranked if o.feasible)


async def test_export_writes_the_choice_and_its_commands(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chosen = app.result.recommendation
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
    document = json.loads((tmp_path / "advisor-choice.json").read_text())
    assert document["configuration"]["method"] == chosen.method
    assert document["commands"]["recommend"].startswith("advisor recommend --device jetson-nano")
    assert (tmp_path / "advisor-choice.toml").read_text().count("[configuration]") == 1


async def test_enter_opens_the_breakdown_and_help_opens(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OptionDetail)
        console = Console(width=100)
        with console.capture() as captured:
            console.print(breakdown(app.screen.option))
        text = captured.get()
        assert "activations" in text and "optimizer" in text and "backward" in text
        assert app.screen.option is app.result.ranked[0]
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.slow
async def test_search_runs_in_the_background_with_progress(study_db, tmp_path, monkeypatch):
    from advisor import allocator

    fitted = []
    monkeypatch.setattr(allocator, "use_fitted", lambda: fitted.append(True))
    db = tmp_path / "search.db"
    shutil.copy(study_db, db)
    storage = f"sqlite:///{db}"
    app = AdvisorApp(storage=storage, configs=CONFIGS, export_dir=tmp_path, search_trials=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("r")  # the UI answers while the trial trains (a thread worker)
        await pilot.pause()
        assert app.query_one("#tabs").active == "ranked"
        await settle(pilot)
        assert not app.searching
        assert app.query_one("#search-progress").progress == 1
        assert "trial 11" in str(app.query_one("#search-log").render())
        assert fitted == [True]  # the search set the fitted allocator, as `advisor search`
    assert len(open_study("mobilenetv3", "unseen", storage, epochs=4, create=False).trials) == 12


# Snapshots of the main screens at 80x24 (pytest-textual-snapshot; --snapshot-update to accept).
async def _ready(pilot):
    await settle(pilot)


@pytest.mark.parametrize(("name", "keys"), [
    ("ranked", []),
    ("tradeoff", ["p"]),
    ("detail", ["enter"]),
    ("device_editor", ["e"]),
    ("help", ["question_mark"]),
])
def test_snapshot(name, keys, make_app, snap_compare):
    assert snap_compare(make_app(), press=keys, terminal_size=SIZE, run_before=_ready)
