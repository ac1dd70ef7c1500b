"""The README's TUI screenshots (SVG, Textual's own screenshot), taken through the test pilot.

    python benchmarks/tui_screenshots.py [--storage URL] [--out docs/screenshots]

Uses the study in --storage (default: advisor's own), so run a search or
`advisor benchmark ... --seed-study` first. 80x24, as the TUI is laid out for.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from advisor.quiet import quiet_third_party
from advisor.tui.app import AdvisorApp

SHOTS = [("ranked", []), ("tradeoff", ["p"]), ("constrained", ["tab"]), ("detail", ["enter"]),
         ("device_editor", ["e"]), ("help", ["question_mark"])]


async def settle(pilot) -> None:
    await pilot.pause()
    while any(w.is_running for w in pilot.app.workers):
        await pilot.pause(0.05)
    await pilot.pause()


async def shoot(name: str, keys: list[str], storage: str | None, out: Path) -> None:
    app = AdvisorApp(storage=storage)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if name == "constrained":  # a tight memory limit: the ranking and the plot change
            app.query_one("#max_memory").value = "400MiB"
            await settle(pilot)
            keys = ["escape", "p"]
        await pilot.press(*keys)
        await settle(pilot)
        app.save_screenshot(str(out / f"tui-{name}.svg"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--storage")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    quiet_third_party()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, keys in SHOTS:
        asyncio.run(shoot(name, keys, args.storage, out))
        print(f"wrote {out / f'tui-{name}.svg'}")


if __name__ == "__main__":
    main()
