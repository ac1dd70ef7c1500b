"""benchmarks/regret.py's report: one section per command, so truths measured in separate
sessions (one model or task at a time) add up in docs/regret.md instead of replacing it."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "regret.py"


@pytest.fixture(scope="module")
def regret():
    spec = importlib.util.spec_from_file_location("regret_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def write(regret, monkeypatch, path: Path, args: list[str], figure: str) -> None:
    monkeypatch.setattr(sys, "argv", ["regret.py", *args])
    regret._write_report(path, [f"grid {figure}"], [f"| table {figure} |"])


def test_a_command_run_again_replaces_its_own_section_only(regret, monkeypatch, tmp_path):
    path = tmp_path / "regret.md"
    write(regret, monkeypatch, path, ["--tasks", "shift"], "A")
    write(regret, monkeypatch, path, ["--tasks", "unseen"], "B")
    write(regret, monkeypatch, path, ["--tasks", "shift"], "C")
    text = path.read_text()
    assert text.startswith("# The regret benchmark\n")
    assert text.count("## `python benchmarks/regret.py --tasks shift`") == 1
    assert "| table A |" not in text and "| table C |" in text and "| table B |" in text
    assert text.index("--tasks shift`") < text.index("--tasks unseen`")  # first-run order


def test_text_above_the_sections_is_kept(regret, monkeypatch, tmp_path):
    path = tmp_path / "regret.md"
    path.write_text("# The regret benchmark\n\nA paragraph someone wrote.\n")
    write(regret, monkeypatch, path, ["--tasks", "shift"], "A")
    kept = "# The regret benchmark\n\nA paragraph someone wrote.\n\n## "
    assert path.read_text().startswith(kept)
