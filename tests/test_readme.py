"""The README's Python example runs as printed: it is the first code a user copies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_a_python_example() -> None:
    assert len(_python_blocks()) == 1


@pytest.mark.slow  # a real fine-tune and a four-run benchmark
def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # the example writes report/ where it runs
    exec(compile(_python_blocks()[0], str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 6  # one line per print, the device loop printing two
    assert (tmp_path / "report" / "report.md").is_file()
