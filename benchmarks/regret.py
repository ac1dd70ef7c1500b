"""Issue-12 figures: how far the recommendation is from the truth, on Fashion-MNIST.

    python benchmarks/regret.py [--models mobilenet_v3_small,resnet18] [--tasks unseen,shift]
        [--devices jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram] [--seeds 3]
        [--search-seeds 5] [--budgets 0.1,0.2,0.4] [--ranks 1,2,4,8,16,32]
        [--depths all,half,quarter,last] [--epochs 4] [--jobs 2]
        [--report docs/regret.md]

1. Ground truth: every configuration of the grid the recommender considers (method x rank x
   target policy x depth that the model accepts; --ranks and --depths narrow the grid for the
   truth and the recommender alike), trained --seeds times (seeds 0, 1, ...) at the method's
   default learning rate on Fashion-MNIST (tasks.py's protocol); each run is kept in the cache
   as it finishes, so a killed run resumes. A configuration's true accuracy is its mean.
2. Per device: the exact cost of every configuration at the device's batch and resolution;
   the oracle (the best feasible true mean) and the cheapest configuration by RAM within 0.5
   points of it.
3. Per budget (a share of the grid's configurations, as trials) and search seed:
   - advisor: `advisor search`'s own loop (distinct configurations of the grid in a seeded
     order, then the untried ones the surrogate rates highest, draws.py; the front-runners
     repeated under new seeds), each trial
     looked up in the ground truth (the
     run of the seed it asks for, or another unused run of that configuration when the
     search draws it again at another learning rate, which the truth does not vary) instead
     of retrained; then
     the surrogate and the recommender as `advisor recommend` runs them (ties to the least
     RAM);
   - random search: that many distinct random configurations, one run each (seed 0), the
     feasible one with the best measured accuracy;
   - fixed rules: always full fine-tuning, always LoRA r8 (no-depthwise), always head-only.
   regret = the oracle's true mean - the choice's true mean (points; lower is better);
   RAM = the choice's RAM need / that of the cheapest configuration within 0.5 points.
   Each mean regret comes with its standard error over the search seeds (a seed's regrets
   averaged over the devices first: one search's evidence is ranked for every device), and
   the summary gives advisor - random search with its own, so "below random search" is a
   difference measured against its uncertainty.
Target (issue 12): mean regret at most 0.5 points at 20%, below random search at the same
budget, never an infeasible recommendation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import optuna

from advisor import space
from advisor.accuracy.surrogate import AccuracySurrogate
from advisor.config import Config, TrialConfig
from advisor.cost.cache import costs
from advisor.cost.screening import valid_configs
from advisor.decision.evidence import Evidence
from advisor.decision.feasibility import evaluate
from advisor.decision.ranking import rank_options
from advisor.devices.profile import Constraints, DeviceProfile, load_device
from advisor.paths import cache_dir
from advisor.quiet import quiet_third_party
from advisor.study import repeats
from advisor.study.next_candidate import Draws
from advisor.study.sampler import TrialSeededSampler
from advisor.study.search import run_trials
from advisor.study.workers import threads_per_worker
from advisor.training.trial import run_trial
from advisor.userfiles import write_text

DATASET = "fashion-mnist"
RULES = {"always full": Config(method="full"),
         "always LoRA r8": Config(method="lora", rank=8, targets="no-depthwise"),
         "always head": Config(method="head")}
CLOSE = 0.005  # "within 0.5 points of the best"


@dataclass
class Truth:
    """The measured grid of one (model, task): every run, per configuration and seed."""

    model: str
    task: str
    epochs: int
    runs: dict[Config, list[dict]]  # in seed order

    def mean(self, config: Config) -> float:
        return statistics.mean(r["accuracy_after"] for r in self.runs[config])


def the_grid(model: str, ranks: list[int], depths: list[str]) -> list[Config]:
    """The recommender's candidates on this model, narrowed by --ranks and --depths."""
    from advisor.methods import METHODS
    from advisor.zoo import resolve_model

    spec = resolve_model(model)
    kept_depths = {spec.depth(name) for name in depths}
    return [c for c in valid_configs(model, space.grid(model))
            if (c.rank is None or c.rank in ranks)
            and (c.depth in kept_depths or not METHODS[c.method].reaches_backbone)]


def measure_truth(model: str, task: str, configs: list[Config], seeds: int, epochs: int,
                  jobs: int) -> Truth:
    """Every (configuration, seed) run of the grid, from the cache or trained now by ``jobs``
    spawned processes (threads split between them); this process alone writes the cache, run
    by run, so a killed or crashed run loses only the runs in flight."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    path = cache_dir() / f"regret-v3-{model}-{task}-{DATASET}-e{epochs}.json"
    done: dict[str, dict] = json.loads(path.read_text()) if path.is_file() else {}
    trials = {(c, s): TrialConfig(**c.model_dump(), model=model, task=task, dataset=DATASET,
                                  epochs=epochs, seed=s) for c in configs for s in range(seeds)}
    todo = [t for t in trials.values() if t.key() not in done]
    if todo:  # pretrained here with every thread, not by one worker on its share of them
        from advisor.training.pretrain import source_model
        from advisor.training.tasks import load_task
        from advisor.zoo import resolve_model

        t = todo[0]
        source_model(resolve_model(model), load_task(t.task, t.dataset, t.resolution,
                                                     t.corruption, t.severity), t.weights)
    failed = 0
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_threads,
                             initargs=(threads_per_worker(jobs),)) as pool:
        running = {pool.submit(_measured, t): t for t in todo}
        for i, future in enumerate(as_completed(running)):
            trial = running[future]
            try:
                done[trial.key()] = future.result()
            except Exception as exc:  # one failed run is retried by the next invocation
                failed += 1
                print(f"  truth {trial.label}: failed ({type(exc).__name__}: {exc})",
                      file=sys.stderr, flush=True)
                continue
            write_text(path, json.dumps(done))
            print(f"  truth {model}/{task} {i + 1}/{len(todo)}: {trial.label} seed "
                  f"{trial.seed}: {done[trial.key()]['accuracy_after']:.3f} "
                  f"({done[trial.key()]['wall_seconds']:.0f} s)", file=sys.stderr, flush=True)
    if failed:
        sys.exit(f"{failed} ground-truth runs failed; run again to retry them")
    runs = {c: [done[trials[c, s].key()] for s in range(seeds)] for c in configs}
    return Truth(model, task, epochs, runs)


def _threads(count: int) -> None:
    import torch

    quiet_third_party()
    torch.set_num_threads(count)


def _measured(trial: TrialConfig) -> dict:
    return run_trial(trial, profile=False).model_dump(mode="json")


def advisor_trials(truth: Truth, budget: int, seed: int, peak: dict[Config, int]) -> list[dict]:
    """``advisor search``'s loop with each trial looked up instead of trained."""
    configs = list(truth.runs)  # the narrowed grid: the search draws from it too
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=TrialSeededSampler(
        seed, Draws(truth.model, seed, configs)))
    taken: list[dict] = []
    used: dict[Config, set[int]] = {}

    def looked_up(trial: optuna.Trial) -> tuple[float, float]:
        config = space.suggest(trial, truth.model).evidence_config()  # the grid's lr
        if config not in truth.runs:  # refused by the model, or outside the narrowed grid
            trial.set_constraint("refused", 1.0)
            return 0.0, float("inf")
        runs = truth.runs[config]
        # A trial the search draws again (at another learning rate, which the truth does not
        # vary) is a new training run: its seed's run if unused, else the next unused one, so
        # that one measured run never counts twice (repeats would then show no noise).
        seeds = used.setdefault(config, set())
        wanted = repeats.seed_of(trial) % len(runs)
        seed = wanted if wanted not in seeds else next(
            (s for s in range(len(runs)) if s not in seeds), wanted)
        seeds.add(seed)
        result = runs[seed]
        trial.set_constraint("refused", 0.0)
        trial.set_user_attr("result", result)
        taken.append(result)
        return result["accuracy_after"], float(peak[config])

    # One call per attempt at the rest of the budget, as `advisor search --trials` would run
    # it (its last trials confirm front-runners, repeats.py); a refused draw costs a trial.
    while len(taken) < budget and len(study.trials) < 20 * budget:
        run_trials(study, budget - len(taken), trial_objective=looked_up)
    return taken


def searched(truth: Truth, configs: list[Config], fractions: list[float], search_seeds: int,
             peak: dict[Config, int], samples: int,
             num_classes: int) -> dict[tuple[float, int], Evidence]:
    """The advisor's evidence after each (budget, search seed): the search and the surrogate
    do not depend on the device, so each is run once and ranked for every device."""
    out = {}
    for fraction in fractions:
        for seed in range(search_seeds):
            trials = advisor_trials(truth, _budget(fraction, configs), seed, peak)
            out[fraction, seed] = Evidence(
                model=truth.model, task=truth.task, dataset=DATASET, study="regret",
                epochs=truth.epochs, surrogate=AccuracySurrogate().fit(trials),
                samples=samples, num_classes=num_classes)
    return out


def _budget(fraction: float, configs: list[Config]) -> int:
    return max(5, round(fraction * len(configs)))


def recommended(evidence: Evidence, configs: list[Config], device: DeviceProfile,
                exact: dict) -> Config | None:
    estimates = evidence.estimates(configs)
    options = [evaluate(c, estimates[c], exact[c], device, Constraints(), evidence.epochs,
                        evidence.samples) for c in configs]
    best = rank_options(options)[0]
    return best.config.evidence_config() if best.feasible else None


@dataclass
class Judge:
    """What is true on one device: which configurations fit, the oracle, the RAM floor."""

    means: dict[Config, float]
    feasible: set[Config]
    ram: dict[Config, int]

    @property
    def oracle(self) -> float:
        return max(self.means[c] for c in self.feasible)

    def score(self, choice: Config | None) -> tuple[float, float]:
        """(regret in points, RAM relative to the cheapest within 0.5 points); NaN if the
        choice is missing or does not fit."""
        if choice is None or choice not in self.feasible:
            return float("nan"), float("nan")
        floor = min(self.ram[c] for c in self.feasible if self.means[c] >= self.oracle - CLOSE)
        return 100 * (self.oracle - self.means[choice]), self.ram[choice] / floor


def device_rows(truth: Truth, configs: list[Config], device: DeviceProfile,
                searches: dict[tuple[float, int], Evidence], fractions: list[float],
                search_seeds: int, samples: int, num_classes: int) -> list[tuple]:
    exact = costs(truth.model, configs, device.batch_size, device.resolution, num_classes)
    options = {c: evaluate(c, _placeholder(c), exact[c], device, Constraints(), truth.epochs,
                           samples) for c in configs}
    judge = Judge({c: truth.mean(c) for c in configs},
                  {c for c in configs if options[c].feasible},
                  {c: options[c].required_ram_bytes for c in configs})
    if not judge.feasible:
        print(f"  {device.id}: nothing fits; skipped")
        return []
    rules = {name: judge.score(rule if rule in judge.feasible else None)
             for name, rule in RULES.items()}
    rows = []
    for fraction in fractions:
        budget = _budget(fraction, configs)
        ours, theirs = [], []
        for seed in range(search_seeds):
            ours.append(judge.score(recommended(searches[fraction, seed], configs, device,
                                                exact)))
            drawn = random.Random(seed).sample(configs, min(budget, len(configs)))
            fits = [c for c in drawn if c in judge.feasible]
            theirs.append(judge.score(max(
                fits, key=lambda c: truth.runs[c][0]["accuracy_after"], default=None)))
        rows.append((truth.model, truth.task, device.id, budget, fraction, ours, theirs, rules))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mobilenet_v3_small,resnet18")
    parser.add_argument("--tasks", default="unseen,shift")
    parser.add_argument("--devices", default="jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram")
    parser.add_argument("--seeds", type=int, default=3, help="ground-truth runs per config")
    parser.add_argument("--search-seeds", type=int, default=5)
    parser.add_argument("--budgets", default="0.1,0.2,0.4")
    parser.add_argument("--ranks", default="1,2,4,8,16,32")
    parser.add_argument("--depths", default=",".join(space.DEPTHS))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2, help="processes training the truth")
    parser.add_argument("--report", help="also write the figures there, as this command's "
                        "section (docs/regret.md)")
    args = parser.parse_args()
    quiet_third_party()
    from advisor.training.tasks import load_task

    ranks = [int(r) for r in args.ranks.split(",")]
    fractions = [float(f) for f in args.budgets.split(",")]
    devices = [load_device(d) for d in args.devices.split(",")]
    rows, grids = [], []
    for model in args.models.split(","):
        configs = the_grid(model, ranks, args.depths.split(","))
        for task in args.tasks.split(","):
            data = load_task(task, DATASET)
            samples, num_classes = len(data.target.train), data.target.num_classes
            truth = measure_truth(model, task, configs, args.seeds, args.epochs,
                                  args.jobs)
            peak = {c: cost.memory.peak_bytes for c, cost in
                    costs(model, configs, 32, 32, num_classes).items()}
            means = {c: truth.mean(c) for c in configs}
            best = max(means, key=means.get)
            grids.append(f"{model} / {task}: {len(configs)} configurations x {args.seeds} "
                         f"seeds; best {best.label} {means[best]:.1%}, median "
                         f"{statistics.median(means.values()):.1%}")
            print("\n" + grids[-1], flush=True)
            searches = searched(truth, configs, fractions, args.search_seeds, peak, samples,
                                num_classes)
            for device in devices:
                rows += device_rows(truth, configs, device, searches, fractions,
                                    args.search_seeds, samples, num_classes)
    table = _table(rows, fractions)
    print("\n" + "\n".join(table))
    if args.report:
        _write_report(Path(args.report), grids, table)


def _placeholder(config: Config):
    """Feasibility needs an estimate object; RAM and flash do not depend on its value."""
    from advisor.accuracy.estimate import Estimate

    return Estimate(0.0, config, False)


def _mean(values: list[float], se: bool = False) -> str:
    """'1.23', or with ``se`` '1.23 ± 0.31': the mean and its standard error. Over search
    seeds: each is an independent search, so the spread of their regrets is what the mean is
    uncertain by."""
    finite = [v for v in values if v == v]
    missing = len(values) - len(finite)
    text = f"{statistics.mean(finite):.2f}" if finite else "-"
    if se and len(finite) >= 2:
        text += f" ± {statistics.stdev(finite) / len(finite) ** 0.5:.2f}"
    return text + (f" ({missing} none)" if missing else "")


def _per_seed(rows: list, fraction: float, column: int) -> list[float]:
    """Each search seed's regret at one budget, averaged over the devices: the devices rank
    one search's evidence, so their regrets are not independent; the seeds are."""
    per_device = [[r for r, _ in row[column]] for row in rows if row[4] == fraction]
    return [statistics.mean(v for v in seed if v == v) if any(v == v for v in seed)
            else float("nan") for seed in zip(*per_device, strict=True)]


def _table(rows: list, fractions: list[float]) -> list[str]:
    lines = ["regret in points (mean ± its standard error over search seeds / max); RAM: the "
             "choice's need / the cheapest's within 0.5 points of the best feasible", "",
             "| model | task | device | trials | advisor regret | max | advisor RAM | random "
             "regret | max | random RAM | always full | always LoRA r8 | always head |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for model, task, device, budget, fraction, ours, theirs, rules in rows:
        def cells(values: list[tuple[float, float]]) -> str:
            regrets = [r for r, _ in values]
            finite = [r for r in regrets if r == r] or [float("nan")]
            return (f"{_mean(regrets, se=True)} | {max(finite):.2f} | "
                    f"{_mean([m for _, m in values])}x")

        fixed = " | ".join("infeasible" if r != r else f"{r:.2f} ({m:.1f}x)"
                           for r, m in rules.values())
        lines.append(f"| {model} | {task} | {device} | {budget} ({fraction:.0%}) "
                     f"| {cells(ours)} | {cells(theirs)} | {fixed} |")
    lines.append("")
    for fraction in fractions:
        ours, theirs = _per_seed(rows, fraction, 5), _per_seed(rows, fraction, 6)
        if ours:
            gaps = [a - b for a, b in zip(ours, theirs, strict=True)]
            lines.append(f"- budget {fraction:.0%}: advisor mean regret {_mean(ours, se=True)} "
                         f"points, random search {_mean(theirs, se=True)} points, advisor - random "
                         f"{_mean(gaps, se=True)} (± one standard error over {len(ours)} search "
                         "seeds, each averaged over the devices)")
    missing = sum(r != r for row in rows for r, _ in row[5])
    lines.append(f"- recommendations missing or infeasible where something fits: {missing}")
    return lines


def _write_report(path: Path, grids: list[str], table: list[str]) -> None:
    """The figures with what produced them (date, command, versions) as one section of
    docs/regret.md: a command run again replaces its own section and keeps the others, so the
    truths of different models and tasks can be measured in separate sessions."""
    from importlib import metadata

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("torch", "torchvision", "peft", "galore-torch", "optuna",
                          "scikit-learn"))
    heading = f"## `python benchmarks/regret.py {' '.join(sys.argv[1:])}`"
    section = [heading, "", f"Measured {datetime.now(UTC).date()} on {os.cpu_count()} CPU "
               f"cores ({versions}).", "", *[f"- {grid}" for grid in grids], "", *table, ""]
    head, sections = REPORT_HEAD, {}
    if path.is_file():
        head, *parts = path.read_text().split("\n## ")
        sections = {"## " + part.split("\n", 1)[0]: "## " + part.rstrip("\n") + "\n"
                    for part in parts}
    sections[heading] = "\n".join(section)
    write_text(path, head.rstrip("\n") + "\n\n" + "\n".join(sections.values()))


REPORT_HEAD = """# The regret benchmark

What it measures and how: the docstring of benchmarks/regret.py. Each section below is the
output of the command in its heading; running that command again replaces its section."""


if __name__ == "__main__":
    main()
