"""The claim verdicts follow the numbers (synthetic tables: each verdict can come out)."""

import pytest

from advisor.paper.findings import flops_claim, memory_claim


def _row(model, family, method, peak, flops, counted=None, rank=4):
    return {"model": model, "family": family, "method": method, "rank": rank, "depth": None,
            "targets": "no-depthwise", "peak_vs_full": peak, "sum_of_category_maxima_vs_full": peak,
            "flops_vs_full": flops, "flops_torch_counter_vs_full": counted, "status": "ok"}


@pytest.mark.parametrize(("dw_peak", "std_peak", "verdict"), [
    (0.99, 0.80, "agrees"),          # depthwise saves 1%, standard 20%
    (0.88, 0.80, "partly agrees"),   # 12% vs 20%: smaller, not half
    (0.70, 0.90, "disagrees"),       # depthwise saves more
])
def test_memory_verdict_follows_the_numbers(dw_peak, std_peak, verdict):
    table = [_row("mobilenet_v2", "depthwise-separable", "lora", dw_peak, 0.8),
             _row("resnet18", "standard", "lora", std_peak, 0.7)]
    claim = memory_claim(table)
    assert claim.verdict == verdict
    assert f"{1 - dw_peak:.0%}" in claim.ours


def test_flops_verdict_names_the_counter_when_only_it_reproduces_the_study():
    table = [_row("mobilenet_v2", "depthwise-separable", "lora", 1.0, 0.77, counted=0.11)]
    claim = flops_claim(table)
    assert claim.verdict.startswith("disagrees (reproduced only")
    assert claim.numbers["best_exact"] == pytest.approx(0.23)
    assert flops_claim([_row("m", "standard", "lora", 1.0, 0.04)]).verdict == "agrees"
    assert flops_claim([_row("m", "standard", "lora", 1.0, 0.7, 0.7)]).verdict == "disagrees"
    assert flops_claim([_row("m", "standard", "head", 1.0, 0.3)]).verdict == "cannot check"
