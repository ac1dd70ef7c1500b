"""Progress bars for long work, always on stderr so that ``--json`` output stays one document."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def _console() -> Console:
    # made on first use: rich.progress is a tenth of a second of a warm recommend's imports
    from rich.console import Console

    return Console(stderr=True)


def enabled() -> bool:
    """Bars only when a person watches (stderr is a terminal) and not silenced."""
    return sys.stderr.isatty() and not os.environ.get("ADVISOR_NO_PROGRESS")


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n=1, description=None)``; the bar shows only where someone watches."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                  console=_console(), transient=True,
                  disable=not enabled()) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1, description: str | None = None) -> None:
            bar.update(task, advance=n, **({"description": description} if description else {}))

        yield advance


def note(message: str) -> None:
    """A one-line status message for a person (stderr)."""
    _console().print(message, style="dim", highlight=False)
