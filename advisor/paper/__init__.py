"""``advisor benchmark``: the paper reproduced on our own measurements (runs, plots, report).

The same trial runner and cost profiler as ``recommend``; the runs can seed a study.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from advisor.paper.findings import Claim
from advisor.paper.plan import QUICK, BenchmarkPlan
from advisor.paper.runner import Measurements, RunRecord, run_benchmark


class BenchmarkReport(BaseModel):
    out: str
    files: list[str]
    runs: int
    executed: int
    failed: int
    refused: int
    claims: list[Claim]
    seeded: dict[str, int] = {}


def benchmark(plan: BenchmarkPlan, out: str | Path, command: str = "advisor benchmark",
              seed_study: bool = False, storage: str | None = None) -> BenchmarkReport:
    """Run what is not done yet, then write runs.csv/json, the plots and report.md.
    ``seed_study``: add the plan's finished runs to the Optuna studies (in ``storage``) that
    ``recommend`` uses."""
    from advisor.paper.markdown import write_report
    from advisor.paper.plots import write_plots
    from advisor.paper.table import rows, write_tables

    plan.check_ranks()
    out = Path(out)
    measurements = run_benchmark(plan, out)
    table = rows(measurements)
    files = list(write_tables(table, out))
    plots = write_plots(table, out)
    report, claims = write_report(measurements, table, plots, out, command)
    seeded = {}
    if seed_study:
        from advisor.study.search import seed_study as seed

        seeded = seed([r.result for r in measurements.records if r.status == "ok"], storage)
    return BenchmarkReport(
        out=str(out), files=[str(p) for p in [*files, *plots, report]], runs=len(table),
        executed=measurements.executed,
        failed=sum(r["status"] == "failed" for r in table),
        refused=sum(r["status"] == "refused" for r in table), claims=claims, seeded=seeded)


__all__ = ["QUICK", "BenchmarkPlan", "BenchmarkReport", "Measurements", "RunRecord",
           "benchmark", "run_benchmark"]
