"""docs/ARCHITECTURE.md is the map a newcomer reads first: it must name every module."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_module_is_named_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    modules = [p for p in (ROOT / "advisor").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")]
    missing = [str(p.relative_to(ROOT)) for p in modules if f"`{p.name}`" not in doc]
    assert not missing, f"not in docs/ARCHITECTURE.md: {missing}"


def test_no_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "advisor").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 300}
    assert not long
