"""Does a ranking measured at 32 px on Fashion-MNIST hold at the device's resolution and on
other data? (issue 30, items 2-3)

    python benchmarks/transfer.py [--models mobilenet_v3_small,mobilenet_v3_small_050]
                                  [--resolutions 32,64] [--seeds 11,12] [--data]
                                  [--seeds-at 224:11] [--work DIR] [--report FILE]

The same configurations are trained with the shipped evidence's protocol (tasks.py: 4 epochs,
batch 32, a source model pretrained on Fashion-MNIST's source classes at each resolution, as
the protocol pretrains; cached per model and resolution) under new seeds:
- per resolution (task `unseen`): every configuration at each of --resolutions;
- with --data, per dataset (32 px): `unseen` on the built-in digits against Fashion-MNIST,
  and `shift` with one corruption (gaussian noise, severity 3) against the shipped mix at
  severity 5.
The configurations: the baselines (space.BASELINES), the shipped recommendations for
jetson-nano and raspberry-pi-4-2gb, then a fixed list spanning methods, ranks and depths,
eight in all (an answer that repeats another is replaced by the next on the list).

Printed per model and group: the mean accuracy of each configuration at each resolution (or
on each dataset) with its standard error; Spearman's rank correlation of the configurations'
means between the shipped protocol's ranking (the group's first column) and each other; the
regret there of the configuration the shipped protocol's ranking picks (best mean minus the
pick's mean, in points, with the standard error of that difference); and the minutes of
training each column cost. The whole table also goes to --report (markdown). Every trial is
kept in --work as it finishes (a killed run resumes). ``--seeds-at PX:SEEDS`` trains fewer
(or other) seeds at one resolution, where a seed costs most; each column says its count.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

MODELS = ("mobilenet_v3_small", "mobilenet_v3_small_050")
DEVICES = ("jetson-nano", "raspberry-pi-4-2gb")
# After the baselines and the devices' answers: methods, ranks and depths the others miss
SPREAD = ({"method": "bias"},
          {"method": "dora", "rank": 4, "targets": "no-depthwise"},
          {"method": "lora", "rank": 32, "targets": "no-depthwise", "depth": "quarter"},
          {"method": "lora", "rank": 2, "targets": "pointwise", "depth": "half"},
          {"method": "full", "depth": "half"},
          {"method": "norm_head"})
SIZE = 8
# --data: each group's first column is the shipped protocol's, the others are compared to it
DATA = {"unseen": {"Fashion-MNIST 32 px": {}, "digits 32 px": {"dataset": "digits"}},
        "shift": {"mixed s5 32 px": {"task": "shift"},
                  "gaussian noise s3 32 px": {"task": "shift", "corruption": "gaussian_noise",
                                              "severity": 3}}}


def configurations(model: str) -> list:
    """The baselines, the two devices' shipped answers, then SPREAD: SIZE distinct ones."""
    from advisor.config import Config
    from advisor.space import BASELINES
    from advisor.zoo import resolve_model

    spec = resolve_model(model)
    chosen = [b.evidence_config() for b in BASELINES.values()]
    for device in DEVICES:
        answer = _answer(device, model, "unseen")
        if answer is not None:
            chosen.append(answer.config.evidence_config())
    for entry in SPREAD:
        depth = entry.get("depth")
        chosen.append(Config(**{**entry, "depth": spec.depth(depth) if depth else None}))
    return list(dict.fromkeys(chosen))[:SIZE]


def _run(work: Path, config, model: str, seed: int, **where) -> dict:
    """One trial (kept in ``work``): its accuracy and training seconds."""
    from advisor.config import TrialConfig
    from advisor.decision import shipped
    from advisor.training.trial import run_trial

    trial = TrialConfig(**config.model_dump(), model=model, seed=seed,
                        **{"dataset": shipped.DATASET, "task": "unseen", **where})
    # named by the trial's key: a column that is another's under another name (the shipped
    # protocol's 32 px) reuses its runs
    path = work / f"{hashlib.sha256(trial.key().encode()).hexdigest()[:20]}.json"
    if not path.exists():
        started = time.perf_counter()
        result = run_trial(trial, profile=False)
        path.write_text(json.dumps({"key": trial.key(), "accuracy": result.accuracy_after,
                                    "seconds": time.perf_counter() - started,
                                    "threads": result.threads}))
    return json.loads(path.read_text())


def _mean_se(values: list[float]) -> tuple[float, float | None]:
    """The mean and its standard error (None from one value: a single seed has none)."""
    se = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else None
    return statistics.mean(values), se


def _pm(value: float, se: float | None) -> str:
    """'93.1 ± 0.4' in points, or '93.1 (1 seed)' where there is no standard error."""
    return f"{value:.1f} (1 seed)" if se is None else f"{value:.1f} ± {se:.1f}"


def _regret(runs: list[list[float]], best: int, of: int) -> tuple[float, float | None]:
    """Points by which configuration ``of`` falls below ``best``, ± the SE of the paired
    difference (same seeds; None from one seed)."""
    if best == of:
        return 0.0, 0.0
    mean, se = _mean_se([a - b for a, b in zip(runs[best], runs[of], strict=True)])
    return 100 * mean, None if se is None else 100 * se


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def compare(columns: dict[str, list[list[float]]], labels: list[str], answer: str | None
            ) -> tuple[list[str], dict[str, dict]]:
    """The table's lines: per configuration its mean ± SE in each column; then per column
    Spearman's rho against the first, the regret of the first column's pick and of the
    shipped evidence's ``answer`` (jetson-nano's, where among ``labels``). Also those figures
    per column, as --ship writes them."""
    from scipy.stats import spearmanr

    names = list(columns)
    lines = ["| configuration | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    means = {n: [_mean_se(v)[0] for v in runs] for n, runs in columns.items()}
    for i, label in enumerate(labels):
        cells = [_pm(100 * m, None if s is None else 100 * s) for m, s in
                 (_mean_se(columns[n][i]) for n in names)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    first = names[0]
    pick = max(range(len(labels)), key=lambda i: means[first][i])
    shipped = labels.index(answer) if answer in labels else None
    said = f" The shipped evidence's answer (jetson-nano) is {answer}." if shipped is not None \
        else ""
    lines += ["", f"The {first} ranking picks {labels[pick]}.{said}", "",
              f"| against {first} | Spearman's rho | best there | regret of the pick "
              "(points, ± SE of the difference) | regret of the shipped answer |",
              "|---|---|---|---|---|"]
    figures = {}
    for name in names[1:]:
        rho = float(spearmanr(means[first], means[name]).statistic)
        best = max(range(len(labels)), key=lambda i: means[name][i])
        regret, se = _regret(columns[name], best, pick)
        figures[name] = {"spearman": round(rho, 3), "pick": labels[pick],
                         "seeds": len(columns[name][0]),
                         "best": labels[best], "regret_points": round(regret, 2),
                         "regret_se_points": _rounded(se)}
        theirs = "not among them"
        if shipped is not None:
            a_regret, a_se = _regret(columns[name], best, shipped)
            figures[name] |= {"answer": answer, "answer_regret_points": round(a_regret, 2),
                              "answer_regret_se_points": _rounded(a_se)}
            theirs = _pm(a_regret, a_se)
        lines.append(f"| {name} | {rho:.2f} | {labels[best]} | {_pm(regret, se)} | {theirs} |")
    return lines, figures


def _answer(device: str, model: str, task: str):
    """The shipped 32-px evidence's answer alone, as if nothing had been measured at the
    device's resolution: what this benchmark tests (decision/confirmation.py then
    re-decides at the device's resolution with these runs)."""
    from functools import partial

    from advisor.decision.recommend import decide_question, recommend

    return recommend(device, model, task, decider=partial(
        decide_question, at_device_resolution=False)).recommendation


def _shipped_runs(configs: list, runs: list[list[float]]) -> dict:
    """One column's runs as decision/confirmation.py reads them, with Student's 95% quantile
    at their pooled degrees of freedom (None without any), so it needs no scipy."""
    from scipy.stats import t

    df = sum(len(r) - 1 for r in runs)
    return {"t_quantile_95": round(float(t.ppf(0.95, df)), 6) if df else None,
            "configurations": [{"config": c.model_dump(mode="json"),  # with the lr it ran at
                                "accuracies": [round(a, 5) for a in r]}
                               for c, r in zip(configs, runs, strict=True)]}


def shipped_answer(model: str, task: str) -> str | None:
    """The label of the shipped evidence's answer for the first device (None: nothing fits)."""
    chosen = _answer(DEVICES[0], model, task)
    return chosen.config.evidence_config().label if chosen is not None else None


def ship(model: str, groups: dict[str, dict], configurations: int, seeds: list[int]) -> Path:
    """advisor/shipped/transfer.json: what the recommendation's "extrapolated" note cites
    (decision/transfer.py); other models' entries are kept."""
    from advisor.decision.transfer import FORMAT, TRANSFER_FILE
    from advisor.userfiles import write_text

    try:
        document = json.loads(TRANSFER_FILE.read_text())
    except (OSError, ValueError):
        document = {}
    if document.get("format") != FORMAT:
        document = {"format": FORMAT, "models": {}}
    document["models"][model] = {
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/transfer.py " + " ".join(sys.argv[1:]),
        "configurations": configurations, "seeds": seeds, "groups": groups}
    return write_text(TRANSFER_FILE, json.dumps(document, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--resolutions", default="32,64")
    parser.add_argument("--seeds", default="11,12")
    parser.add_argument("--seeds-at", action="append", default=[], metavar="PX:SEEDS",
                        help="other seeds at one resolution, e.g. 224:11")
    parser.add_argument("--data", action="store_true",
                        help="also the dataset transfer: digits, and another corruption")
    parser.add_argument("--work", default="transfer")
    parser.add_argument("--report", default=None, help="markdown file for the tables")
    parser.add_argument("--ship", action="store_true",
                        help="write the figures to advisor/shipped/transfer.json, which the "
                             "recommendation's notes cite")
    args = parser.parse_args()
    import torch

    from advisor.quiet import quiet_third_party
    from advisor.zoo import resolve_model

    quiet_third_party()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    resolutions = [int(r) for r in args.resolutions.split(",")]
    seeds_at = {int(px): [int(s) for s in at.split(",")]
                for px, at in (item.split(":") for item in args.seeds_at)}
    report = ["# Does the evidence transfer? (benchmarks/transfer.py)", "",
              f"`python benchmarks/transfer.py {' '.join(sys.argv[1:])}`, "
              f"{datetime.now(UTC).date()}, on {os.cpu_count()} CPU cores, new runs with torch "
              f"at {torch.get_num_threads()} threads (OMP_NUM_THREADS; full fine-tuning's "
              "figures depend on it, docs/transfer.md). What it measures: "
              "the script's docstring. The figures a recommendation cites come from "
              "`--ship` (advisor/shipped/transfer.json).", ""]
    for model in (resolve_model(m).name for m in args.models.split(",")):
        configs = configurations(model)
        labels = [c.label for c in configs]
        print(f"{model}: {len(configs)} configurations: " + "; ".join(labels), flush=True)
        groups = {"resolution": {f"{r} px": {"resolution": r} for r in resolutions}}
        if args.data:
            groups |= DATA
        report += [f"## {model}", "", f"Seeds {args.seeds}; the shipped protocol "
                   "(Fashion-MNIST `unseen`, 4 epochs, batch 32, 32 px) where the column "
                   "says nothing else; accuracy in %, mean ± standard error over the seeds.",
                   ""]
        shipped_groups = {}
        for group, wheres in groups.items():
            columns: dict[str, list[list[float]]] = {}
            minutes: dict[str, float] = {}
            for name, where in wheres.items():
                runs, seconds = [], 0.0
                for config in configs:
                    done = [_run(work, config, model, seed, **where)
                            for seed in seeds_at.get(where.get("resolution"), seeds)]
                    runs.append([d["accuracy"] for d in done])
                    seconds += sum(d["seconds"] for d in done)
                    print(f"  {name} {config.label}: "
                          + ", ".join(f"{a:.1%}" for a in runs[-1]), flush=True)
                columns[name], minutes[name] = runs, seconds / 60
            lines, figures = compare(columns, labels, shipped_answer(
                model, "shift" if group == "shift" else "unseen"))
            shipped_groups[group] = {"from": next(iter(wheres)), "to": figures}
            if group == "resolution":  # what decision/confirmation.py decides on
                shipped_groups[group]["runs"] = {
                    name: _shipped_runs(configs, columns[name]) for name in columns}
            spent = ", ".join(f"{n} {m:.0f} min" for n, m in minutes.items())
            report += [f"### {group}", "", *lines, "",
                       f"Training time per column: {spent} ({os.cpu_count()} cores).", ""]
        if args.ship:
            print(f"wrote {ship(model, shipped_groups, len(configs), seeds)}", flush=True)
    text = "\n".join(report)
    print("\n" + text)
    if args.report:
        Path(args.report).write_text(text + "\n")


if __name__ == "__main__":
    main()
