"""Every benchmarks/ script still starts after a change to the package's layout.

No test imports the scripts otherwise, so a moved or renamed module would first be noticed by
whoever re-runs a benchmark. `--help` runs each script's module level and its parser; the
import check also reaches the imports inside its functions, which `--help` never executes.
"""

from __future__ import annotations

import ast
import importlib
import runpy
import sys
from pathlib import Path

import pytest

MODULES = sorted((Path(__file__).parents[2] / "benchmarks").glob("*.py"))
SCRIPTS = [p for p in MODULES if '__name__ == "__main__"' in p.read_text()]  # not their helpers


def _advisor_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every ``from advisor... import name`` and ``import advisor...``."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("advisor"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.startswith("advisor")]
    return found


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", MODULES, ids=lambda p: p.stem)
def test_every_advisor_import_of_a_script_resolves(script: Path) -> None:
    for module, name in _advisor_imports(script):
        imported = importlib.import_module(module)
        if name is not None:
            assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), (
                f"{script.name}: from {module} import {name}")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_script_answers_help(script: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    monkeypatch.syspath_prepend(str(script.parent))  # scripts may import their siblings
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(script), run_name="__main__")
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out
