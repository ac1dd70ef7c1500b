"""What a person reads in a terminal: the runners-up table fits 80 columns, each row on at most
two lines, for a device where most things fit and one where most do not, with the memory
levers, ties and extrapolated accuracies of the shipped evidence and the longest cells."""

import io
import textwrap

import pytest
from rich.console import Console

from advisor.cli import render
from advisor.config import Config
from advisor.decision import shipped
from advisor.decision.evidence import study_evidence
from advisor.decision.explain import short_label, short_reason
from advisor.decision.recommend import decide

# The TUI tests' candidates (tests/tui/test_tui.py), so that a fresh cache costs them once: one
# per method but norm_head, at the Jetson's 224 px and the ESP32's 64 px.
CONFIGS = [Config(method="full"), Config(method="head"), Config(method="bias"),
           Config(method="lora", rank=8, targets="no-depthwise"),
           Config(method="galore", rank=2, targets="pointwise"),
           Config(method="dora", rank=4, targets="no-depthwise")]

@pytest.fixture(scope="module")
def evidence(recorded_study):
    return study_evidence("mobilenetv3", "unseen", f"sqlite:///{recorded_study}", epochs=4)


@pytest.mark.parametrize("device", ["jetson-nano", "esp32-s3-psram"])
def test_runners_up_fit_80_columns_two_lines_a_row(evidence, device, monkeypatch):
    result = decide(evidence, device, configs=CONFIGS)
    assert len(result.alternatives) >= 5
    text, body = _rendered(result.alternatives, monkeypatch)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert len([line for line in body if line.strip()]) <= 2 * len(result.alternatives), text
    for option in result.alternatives:  # every label whole, not cut with an ellipsis
        assert option.label.split(" (")[0] in text
    assert "…" not in text


def _rendered(alternatives, monkeypatch) -> tuple[str, list[str]]:
    """The table as printed at 80 columns, and its rows' lines (between the rule under the
    header and the footnote)."""
    out = io.StringIO()
    monkeypatch.setattr(render, "console", Console(file=out, width=80))
    render.print_runners_up(alternatives)
    lines = out.getvalue().splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line.strip()) == {"─"})
    end = next(i for i, line in enumerate(lines) if i > rule and
               line.startswith(("*:", "last N:")))  # the footnote
    return out.getvalue(), lines[rule + 1:end]


def _rows(alternatives, monkeypatch) -> list[list[str]]:
    """Each alternative's lines, rendered one per table (the widths are fixed, so a row takes
    the same lines alone as among others)."""
    return [_rendered([option], monkeypatch)[1] for option in alternatives]


@pytest.mark.parametrize("device", ["coral-dev-board", "esp32-s3-psram"])
def test_every_row_of_the_shipped_evidence_takes_two_lines_at_most(device, monkeypatch):
    evidence = shipped.shipped_evidence("resnet18", "shift")
    result = decide(evidence, device)
    assert any(a.depth is not None for a in result.alternatives)  # the levers' second line
    for lines in _rows(result.alternatives, monkeypatch):
        assert 1 <= len(lines) <= 2 and max(map(len, lines)) <= 80, "\n".join(lines)
        assert "…" not in "".join(lines)


def test_the_longest_cells_fit_their_columns():
    longest = Config(method="galore", rank=32, targets="no-depthwise", depth=16,
                     micro_batch=16, checkpointing=True)
    assert [len(line) for line in short_label(longest).splitlines()] == [18, 20]
    assert max(len(line) for line in short_label(
        longest.model_copy(update={"targets": "pointwise"})).splitlines()) <= 23
    from advisor.decision.verdicts import Standing, Violation

    tied = Standing(kind="tied", gap=-0.0049, error=0.005, prefer="flash")
    assert max(map(len, short_reason(tied, []).splitlines())) <= 20
    for kind, gap in (("tied", -0.0049), ("less_accurate", 0.3149),
                      ("unconfirmed", -0.3049)):  # decided at 224 px
        there = Standing(kind=kind, gap=gap, error=0.005, prefer="time", resolution=224)
        lines = short_reason(there, []).splitlines()
        assert len(lines) <= 2 and max(map(len, lines)) <= 20, lines
    for v in (Violation(constraint="memory", need=1018.6 * 2**20, limit=1018.6 * 2**20,
                        set_by="device"),
              Violation(constraint="flash", need=1018.6 * 2**20, limit=1018.6 * 2**20,
                        set_by="user")):
        assert len(textwrap.wrap(short_reason(None, [v, v]), 20)) == 2  # as rich wraps it
