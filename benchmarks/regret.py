"""Issue-4 figures: regret of the recommendation vs the best feasible configuration.

    python benchmarks/regret.py [--devices jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram]
                                [--seeds 3] [--feasibility]

1. An exhaustive grid on the built-in `unseen` task for mobilenet_v3_small: every method x rank
   1..32 x target policy the model accepts, one real trial each at the method's default
   learning rate (4 epochs), stored in the cache and resumed if interrupted.
2. For each device: the exact cost of every grid configuration at the device's scale, hence the
   best feasible grid accuracy (the oracle).
3. With 10%, 20% and 40% of the grid's trials, over several seeds:
   - advisor: Optuna TPE as in `advisor search` (learning rate fixed, so trials can be looked up
     in the grid instead of retrained), then the surrogate and the recommender;
   - random search: that many distinct random grid configurations, best feasible one measured;
   - fixed rule: always LoRA rank 8 on no-depthwise layers.
   regret = oracle accuracy - grid accuracy of the chosen configuration (lower is better).
4. --feasibility: for each device, the advisor's recommendation is run for real in a fresh
   at the device's scale: in a fresh process (peak RSS over baseline) for devices that run
   PyTorch; as a real step's live tensor peak minus weights kept in flash for microcontrollers
   (no PyTorch runtime there). It must fit the device's usable RAM.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

import optuna

from advisor import space
from advisor.config import Config, TrialConfig
from advisor.costcache import valid_configs
from advisor.defaults import EPOCHS
from advisor.devices import Constraints, load_device
from advisor.evidence import Evidence
from advisor.feasibility import BYTES_PER_PARAM
from advisor.paths import cache_dir
from advisor.quiet import quiet_third_party
from advisor.ranking import rank_options
from advisor.recommend import evaluate_all
from advisor.surrogate import AccuracySurrogate
from advisor.trial import run_trial

MODEL, TASK = "mobilenet_v3_small", "unseen"
SAMPLES, NUM_CLASSES = 359, 5  # the built-in unseen task's target train split


def run_grid(configs: list[Config]) -> dict[Config, dict]:
    path = cache_dir() / f"grid-v2-{MODEL}-{TASK}-e{EPOCHS}.json"
    done = json.loads(path.read_text()) if path.is_file() else {}
    for i, c in enumerate(configs):
        if c.key() in done:
            continue
        result = run_trial(TrialConfig(**c.model_dump(), model=MODEL, task=TASK, epochs=EPOCHS))
        done[c.key()] = result.model_dump(mode="json")
        path.write_text(json.dumps(done))
        print(f"  grid {i + 1}/{len(configs)}: {c.label}: {result.accuracy_after:.3f}",
              file=sys.stderr, flush=True)
    return {c: done[c.key()] for c in configs}


def tpe_results(results: dict[Config, dict], budget: int, seed: int) -> list[dict]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True,
                                         n_startup_trials=min(8, budget))
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    chosen = []

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        config = space.suggest(trial, MODEL).evidence_config()  # the grid: default lr only
        if config not in results:  # refused by the model (e.g. LoRA on depthwise convs)
            trial.set_constraint("refused", 1.0)
            return 0.0, float("inf")
        trial.set_constraint("refused", 0.0)
        chosen.append(results[config])
        r = results[config]
        return r["accuracy_after"], r["cost"]["memory"]["peak_bytes"]

    while len(chosen) < budget and len(study.trials) < 20 * budget:
        study.optimize(objective, n_trials=1)
    return chosen


def evidence_from(trials: list[dict]) -> Evidence:
    return Evidence(model=MODEL, task=TASK, dataset="digits", study="regret", epochs=EPOCHS,
                    surrogate=AccuracySurrogate().fit(trials), samples=SAMPLES,
                    num_classes=NUM_CLASSES)


def options_for(evidence: Evidence, configs, device):
    return evaluate_all(evidence, configs, device, Constraints(), device.batch_size,
                        device.resolution, SAMPLES)


def recommend_from(trials: list[dict], configs, device) -> Config | None:
    best = rank_options(options_for(evidence_from(trials), configs, device))[0]
    return best.config.cost_config() if best.feasible else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", default="jetson-nano,raspberry-pi-4-2gb,esp32-s3-psram")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--feasibility", action="store_true")
    args = parser.parse_args()
    quiet_third_party()

    configs = valid_configs(MODEL, space.grid(MODEL))
    print(f"grid: {len(configs)} configurations of {MODEL} on '{TASK}'", flush=True)
    results = run_grid(configs)
    accuracy = {c: r["accuracy_after"] for c, r in results.items()}
    top = max(accuracy, key=accuracy.get)
    print(f"grid accuracy: best {accuracy[top]:.3f} ({top.label}), "
          f"median {statistics.median(accuracy.values()):.3f}\n")

    rule = Config(method="lora", rank=8, targets="no-depthwise")
    budgets = [max(5, round(f * len(configs))) for f in (0.1, 0.2, 0.4)]
    rows, recommendations = [], {}
    for name in args.devices.split(","):
        device = load_device(name)
        options = options_for(evidence_from(list(results.values())), configs, device)
        feasible = {o.config.cost_config() for o in options if o.feasible}
        if not feasible:
            print(f"{name}: no grid configuration fits; skipped")
            continue
        oracle = max(accuracy[c] for c in feasible)
        best_config = max(feasible, key=lambda c: accuracy[c])
        print(f"{name}: {len(feasible)}/{len(configs)} configurations fit at batch "
              f"{device.batch_size}, {device.resolution} px; best feasible "
              f"{best_config.label} {oracle:.3f}")
        rule_regret = (f"{oracle - accuracy[rule]:.3f}" if rule in feasible else "infeasible")
        for budget in budgets:
            ours, rand = [], []
            for seed in range(args.seeds):
                chosen = recommend_from(tpe_results(results, budget, seed), configs, device)
                ours.append(oracle - accuracy[chosen] if chosen else float("nan"))
                recommendations[(name, budget, seed)] = chosen
                sample = random.Random(seed).sample(configs, budget)
                fits = [c for c in sample if c in feasible]
                rand.append(oracle - max(accuracy[c] for c in fits) if fits else float("nan"))
            rows.append((name, budget, statistics.mean(ours), max(ours),
                         statistics.mean(rand), max(rand), rule_regret))
    print("\n| device | trials | advisor regret mean | max | random search mean | max "
          "| always LoRA r8 |")
    print("|---|---|---|---|---|---|---|")
    for name, budget, om, ox, rm, rx, rule_r in rows:
        print(f"| {name} | {budget} ({budget / len(configs):.0%}) | {om:.3f} | {ox:.3f} "
              f"| {rm:.3f} | {rx:.3f} | {rule_r} |")

    if args.feasibility:
        print("\n| device | recommended | RAM measured | usable | fits |")
        print("|---|---|---|---|---|")
        fits = []
        for name in args.devices.split(","):
            device = load_device(name)
            chosen = recommendations.get((name, budgets[-1], 0))
            if chosen is None:
                continue
            if device.frozen_weights_in_flash:
                # Bare metal: no PyTorch runtime on the device, so the real measure is the live
                # tensor peak of a REAL step (real tensors, not fake), minus weights in flash.
                from advisor.cost import profile_config

                real_step = profile_config(MODEL, chosen, device.batch_size, device.resolution,
                                           fake=False)
                frozen = real_step.params.total - real_step.params.trainable
                real = real_step.memory.peak_bytes - frozen * BYTES_PER_PARAM
                how = "live tensors, real step"
            else:
                script = Path(__file__).with_name("memory_vs_reality.py")
                out = subprocess.run(
                    [sys.executable, str(script), "--child", MODEL, chosen.method,
                     str(chosen.rank or "-"), chosen.targets, str(device.batch_size),
                     str(device.resolution)], capture_output=True, text=True, check=True)
                real = json.loads(out.stdout.strip().splitlines()[-1])["real"]
                how = "peak RSS, fresh process"
            ok = real <= device.usable_ram
            fits.append(ok)
            print(f"| {name} | {chosen.label} | {real / 2**20:.2f} MiB ({how}) "
                  f"| {device.usable_ram / 2**20:.1f} MiB | {'yes' if ok else 'NO'} |")
        print(f"\nrecommendations whose real peak fits: {sum(fits)}/{len(fits)}")


if __name__ == "__main__":
    main()
