"""benchmarks/regret.py's report: one section per command, so truths measured in separate
sessions (one model or task at a time) add up in docs/regret.md instead of replacing it."""

import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def regret(benchmark_script):
    return benchmark_script("regret")


def write(regret, monkeypatch, path: Path, args: list[str], figure: str) -> None:
    monkeypatch.setattr(sys, "argv", ["regret.py", *args])
    regret.report.write(path, [f"grid {figure}"], [f"| table {figure} |"])


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


def test_the_mean_regret_carries_its_standard_error_over_search_seeds(regret):
    """The devices rank one search's evidence, so a seed's regrets are averaged over them
    before the spread is taken: three seeds, not six measurements."""
    nan = float("nan")
    rows = [("m", "t", "a", 9, 0.1, [(1.0, 1.0), (2.0, 1.0), (0.0, 1.0)],
             [(0.5, 1.0), (1.5, 1.0), (nan, nan)], {}),
            ("m", "t", "b", 9, 0.1, [(3.0, 1.0), (2.0, 1.0), (0.0, 1.0)],
             [(0.5, 1.0), (0.5, 1.0), (1.0, 1.0)], {})]
    assert regret.report.per_seed(rows, 0.1, 5) == [2.0, 2.0, 0.0]
    assert regret.report.per_seed(rows, 0.1, 6) == [0.5, 1.0, 1.0]
    assert regret.report.mean([2.0, 2.0, 0.0], se=True) == "1.33 ± 0.67"  # sd 1.155 / sqrt(3)
    assert regret.report.mean([1.0], se=True) == "1.00"  # one value has no spread
    summary = regret.report.table(rows, [0.1])[-2]
    assert "advisor mean regret 1.33 ± 0.67 points, random search 0.83 ± 0.17" in summary
    assert "advisor - random 0.50 ± 0.76" in summary
