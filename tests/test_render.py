"""What a person reads in a terminal: the runners-up table fits 80 columns, each row on at most
two lines, for a device where things fit and one where nothing does."""

import io

import pytest
from rich.console import Console

from advisor import render
from advisor.evidence import study_evidence
from advisor.recommend import decide


@pytest.fixture(scope="module")
def evidence(recorded_study):
    return study_evidence("mobilenetv3", "unseen", f"sqlite:///{recorded_study}", epochs=4)


@pytest.mark.parametrize("device", ["jetson-nano", "esp32-s3"])
def test_runners_up_fit_80_columns_two_lines_a_row(evidence, device, monkeypatch):
    result = decide(evidence, device)
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
