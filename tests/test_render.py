"""What a person reads in a terminal: the runners-up table fits 80 columns, each row on at most
two lines, for a device where most things fit and one where most do not."""

import io

import pytest
from rich.console import Console

from advisor import render
from advisor.config import Config
from advisor.evidence import study_evidence
from advisor.recommend import decide

# The TUI tests' candidates (tests/test_tui.py), so that a fresh cache costs them once: one
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
    out = io.StringIO()
    monkeypatch.setattr(render, "console", Console(file=out, width=80))
    render.print_runners_up(result.alternatives)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    rule = next(i for i, line in enumerate(lines) if set(line.strip()) == {"─"})
    body = [line for line in lines[rule + 1:] if line.strip()][:-1]  # the footnote last
    assert len(body) <= 2 * len(result.alternatives), "\n".join(lines)
    for option in result.alternatives:  # every label whole, not cut with an ellipsis
        assert option.label.split(" (")[0] in out.getvalue()
    assert "…" not in out.getvalue()
