"""``advisor tui``: the recommender as an interactive Textual app (a thin layer over the API)."""

from __future__ import annotations


def run_tui(**kwargs) -> None:
    """Open the app; ``kwargs`` as for AdvisorApp (device, model, task, storage, ...)."""
    import os

    os.environ.setdefault("ADVISOR_NO_PROGRESS", "1")  # rich bars would draw over the app
    from advisor.tui.app import AdvisorApp

    AdvisorApp(**kwargs).run()
