"""The regret benchmark's replay (benchmarks/regret.py): `advisor search` with each trial
looked up in the measured truth instead of trained, the recommender's choice on each device,
and how far that choice and the baselines' fall from the best that fits."""

from __future__ import annotations

import random
from dataclasses import dataclass

import optuna
from regret_truth import DATASET, Truth

from advisor import space
from advisor.accuracy.surrogate import AccuracySurrogate
from advisor.config import Config
from advisor.cost.cache import costs
from advisor.decision.evidence import Evidence
from advisor.decision.feasibility import evaluate
from advisor.decision.question import Question
from advisor.decision.ranking import rank_options
from advisor.devices.profile import DeviceProfile
from advisor.study import repeats
from advisor.study.next_candidate import Draws
from advisor.study.sampler import TrialSeededSampler
from advisor.study.search import run_trials

RULES = {f"always {name}": config for name, config in space.BASELINES.items()}
CLOSE = 0.005  # "within 0.5 points of the best"


def advisor_trials(truth: Truth, budget: int, seed: int, peak: dict[Config, int],
                   num_classes: int, fitting: list[set[Config]] = ()) -> list[dict]:
    """``advisor search``'s loop with each trial looked up instead of trained; ``fitting``:
    the configurations that fit each device, when the search is told its devices."""
    configs = list(truth.runs)  # the narrowed grid: the search draws from it too
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=TrialSeededSampler(
        seed, Draws(truth.model, seed, configs)))
    study.set_user_attr("model", truth.model)
    study.set_user_attr("num_classes", num_classes)
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
        run_trials(study, budget - len(taken), trial_objective=looked_up, candidates=configs,
                   targets=[f.__contains__ for f in fitting])
    return taken


def searched(truth: Truth, configs: list[Config], fractions: list[float], search_seeds: int,
             peak: dict[Config, int], samples: int, num_classes: int,
             fitting: list[set[Config]] = ()) -> dict[tuple[float, int], Evidence]:
    """The advisor's evidence after each (budget, search seed): one search, told the
    devices' ``fitting`` sets or none, and one surrogate, ranked for every device."""
    out = {}
    for fraction in fractions:
        for seed in range(search_seeds):
            trials = advisor_trials(truth, _budget(fraction, configs), seed, peak, num_classes,
                                    fitting)
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
    question = Question.ask(device).about(evidence)
    options = [evaluate(c, estimates[c], exact[c], question) for c in configs]
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


def options_on(truth: Truth, configs: list[Config], device: DeviceProfile, samples: int,
               num_classes: int) -> tuple[dict, dict]:
    """(exact cost, evaluated option) of each configuration at the device's scale."""
    exact = costs(truth.model, configs, device.batch_size, device.resolution, num_classes)
    question = Question(device=device, batch_size=device.batch_size,
                        resolution=device.resolution, samples=samples, epochs=truth.epochs,
                        num_classes=num_classes)
    return exact, {c: evaluate(c, _placeholder(c), exact[c], question) for c in configs}


def device_rows(truth: Truth, configs: list[Config], device: DeviceProfile,
                searches: dict[tuple[float, int], Evidence], fractions: list[float],
                search_seeds: int, on_device: tuple[dict, dict]) -> list[tuple]:
    """``on_device``: ``options_on``'s (exact cost, option) per configuration there."""
    exact, options = on_device
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


def _placeholder(config: Config):
    """Feasibility needs an estimate object; RAM and flash do not depend on its value."""
    from advisor.accuracy.estimate import Estimate

    return Estimate(0.0, config, False)
