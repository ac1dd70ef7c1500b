"""benchmarks/memory_vs_reality.py's choice of the bound and benchmarks/process_baseline.py's
reading of a fresh process, without their runs (minutes each)."""

import sys
from types import SimpleNamespace

import pytest

MIB = 2**20


def _row(model: str, workspace_mib: float, real_mib: float):
    cost = SimpleNamespace(memory=SimpleNamespace(workspace_peak_bytes=workspace_mib * MIB))
    return (model, None, 32, 224, cost, {"real": real_mib * MIB})


def test_the_bound_to_ship_leaves_no_held_out_model_under(capsys, benchmark_script):
    reality = benchmark_script("memory_vs_reality")
    # model "c" carries 10 MiB more runtime than the others: a fit on "a" and "b" is under it
    rows = [_row(m, w, 40 + extra + 1.05 * w) for m, extra in (("a", 0), ("b", 0), ("c", 10))
            for w in (50, 200, 800)]
    fixed, factor = reality._fit(rows)
    assert all(x >= 1 for x in reality._ratios(rows, fixed, factor))
    reality._held_out(rows)
    out = capsys.readouterr().out
    assert "| c |" in out and "3 of 3" in out  # held out, "c" is under everywhere at first
    shipped = out.split("to ship: ")[1]
    margin = int(shipped.split("fixed part ")[1].split(" MiB")[0])
    assert 8 <= margin <= 12  # the smallest margin that covers "c" (to the fit's 2 MiB grid)


def test_a_fresh_process_reads_its_resident_set(benchmark_script):
    baseline = benchmark_script("process_baseline")
    found = baseline.imported(sys.executable, "import torch")
    assert found["VmRSS"] == pytest.approx(found["RssAnon"] + found["RssFile"], abs=8 * MIB)
    assert found["VmRSS"] > 100 * MIB  # torch alone is hundreds of MiB
    assert baseline.imported(sys.executable, "import no_such_module") is None
