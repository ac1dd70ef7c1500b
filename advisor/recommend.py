"""Constraints + device profile + study -> a ranked, explained recommendation.

Accuracy comes from the study (through the surrogate, with its measured error); cost comes from
the exact profiler at the device's batch size and resolution; the device only decides
feasibility and the estimated update time. So a new device never needs new trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from advisor.costcache import costs, valid_configs
from advisor.devices import Constraints, DeviceProfile, load_device
from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.report import human_bytes
from advisor.search import DEFAULT_TRIALS, TRIAL_EPOCHS, completed_results, open_study, search
from advisor.space import TASKS, Config, grid
from advisor.surrogate import MIN_TRIALS, AccuracySurrogate
from advisor.zoo import resolve_model

BYTES_PER_PARAM = 4  # float32 training


class Option(BaseModel):
    """One configuration, evaluated for one device."""

    method: str
    rank: int | None
    targets: str
    lr: float
    epochs: int
    batch_size: int
    resolution: int
    predicted_accuracy: float = Field(description="Measured (best trial) if the study tried "
                                                  "this configuration, else the surrogate's.")
    accuracy_error: float = Field(description="The surrogate's cross-validated MAE.")
    best_trial_accuracy: float | None = Field(None, description="If tried: best measured.")
    peak_bytes: int
    memory_breakdown: dict[str, int]
    required_ram_bytes: int = Field(description="peak x runtime overhead, minus frozen weights "
                                                "kept in flash where the device does that.")
    flops_per_step: int
    flops_breakdown: dict[str, int]
    steps: int
    update_seconds: float = Field(description="ESTIMATE: FLOPs / the device's sustained rate.")
    storage_bytes: int
    params_trainable: int
    feasible: bool
    violations: list[str]
    slack: dict[str, float] = Field(description="Limit minus need, per constraint (>= 0 fits).")
    reason: str = ""

    @property
    def config(self) -> Config:
        return Config(self.method, self.rank, self.targets)

    @property
    def label(self) -> str:
        return self.config.label


class Recommendation(BaseModel):
    device: str
    device_name: str
    model: str
    task: str
    study: str
    trials: int
    surrogate_error: float
    samples: int
    constraints: Constraints
    recommendation: Option | None
    alternatives: list[Option]
    suggestion: str | None = None
    notes: list[str]
    ranked: list[Option] = Field(default_factory=list, exclude=True,
                                 description="Every candidate, best first (for the TUI; not "
                                             "in JSON output).")


@dataclass
class Evidence:
    """What a study knows about (model, task), whatever the device: everything ``decide``
    needs besides the device, fitted once so that a new device or constraint costs
    milliseconds (the TUI re-ranks on every keystroke)."""

    model: str
    task: str
    study: str
    epochs: int
    surrogate: AccuracySurrogate
    samples: int  # the task's target training set
    num_classes: int
    _predictions: dict[Config, tuple[float, float]] = field(default_factory=dict)

    def predictions(self, configs: list[Config]) -> dict[Config, tuple[float, float]]:
        missing = [c for c in configs if c not in self._predictions]
        if missing:
            self._predictions.update(self.surrogate.best_lr_scales(missing))
        return {c: self._predictions[c] for c in configs}


def memory_limit(device: DeviceProfile, limits: Constraints) -> int:
    """The RAM an update may need: the device's usable RAM, or less if --max-memory says so."""
    return min(device.usable_ram, limits.max_memory or device.usable_ram)


def _evaluate(config: Config, cost, device: DeviceProfile, limits: Constraints,
              surrogate: AccuracySurrogate, epochs: int, samples: int,
              prediction: tuple[float, float] | None = None) -> Option:
    accuracy, lr_scale = prediction or surrogate.best_lr_scales([config])[config]
    tried = surrogate.tried.get(config)
    frozen = (cost.params.total - cost.params.trainable) * BYTES_PER_PARAM
    required = cost.memory.peak_bytes * device.runtime_overhead
    if device.frozen_weights_in_flash:
        required -= frozen * device.runtime_overhead
    steps = epochs * math.ceil(samples / cost.batch_size)
    seconds = cost.flops.total * steps / device.training_flops_per_second()
    flash_need = cost.storage_bytes + (frozen if device.frozen_weights_in_flash else 0)
    ram_limit = memory_limit(device, limits)
    storage_limit = min(device.storage, limits.max_storage or device.storage)
    slack = {"memory_bytes": ram_limit - required, "storage_bytes": storage_limit - flash_need}
    violations = []
    if required > ram_limit:
        which = "device allows" if ram_limit == device.usable_ram else "--max-memory is"
        violations.append(f"needs {human_bytes(required)} RAM, {which} {human_bytes(ram_limit)}")
    if flash_need > storage_limit:
        violations.append(f"needs {human_bytes(flash_need)} of flash, limit "
                          f"{human_bytes(storage_limit)}")
    if limits.max_update_time is not None:
        slack["update_seconds"] = limits.max_update_time - seconds
        if seconds > limits.max_update_time:
            violations.append(f"takes ~{seconds:.0f} s, --max-update-time is "
                              f"{limits.max_update_time:.0f} s")
    if limits.min_accuracy is not None:
        slack["accuracy"] = accuracy - limits.min_accuracy
        if accuracy < limits.min_accuracy:
            violations.append(f"predicts {accuracy:.1%} accuracy, --min-accuracy is "
                              f"{limits.min_accuracy:.1%}")
    return Option(
        method=config.method, rank=config.rank, targets=config.targets,
        lr=METHODS[config.method].default_lr * lr_scale, epochs=epochs,
        batch_size=cost.batch_size, resolution=cost.resolution,
        predicted_accuracy=accuracy, accuracy_error=surrogate.cv_mae,
        best_trial_accuracy=tried[0] if tried else None,
        peak_bytes=cost.memory.peak_bytes,
        memory_breakdown=cost.memory.model_dump(exclude={"peak_bytes", "sum_of_category_maxima"}),
        required_ram_bytes=int(required), flops_per_step=cost.flops.total,
        flops_breakdown=cost.flops.model_dump(exclude={"total"}), steps=steps,
        update_seconds=seconds, storage_bytes=cost.storage_bytes,
        params_trainable=cost.params.trainable, feasible=not violations,
        violations=violations, slack=slack)


def rank_options(options: list[Option]) -> list[Option]:
    """Feasible first, then the highest predicted accuracy, then the least RAM."""
    return sorted(options, key=lambda o: (not o.feasible, -o.predicted_accuracy,
                                          o.required_ram_bytes))


def evaluate_all(model: str, configs: list[Config], device: DeviceProfile, limits: Constraints,
                 surrogate: AccuracySurrogate, epochs: int, samples: int, num_classes: int,
                 batch_size: int, resolution: int,
                 predictions: dict[Config, tuple[float, float]] | None = None) -> list[Option]:
    """Every candidate with its exact device-scale cost and predicted accuracy."""
    exact = costs(model, configs, batch_size, resolution, num_classes)
    predictions = predictions or surrogate.best_lr_scales(configs)
    return [_evaluate(c, exact[c], device, limits, surrogate, epochs, samples, predictions[c])
            for c in configs]


def _suggest(model: str, options: list[Option], device: DeviceProfile, limits: Constraints,
             surrogate: AccuracySurrogate, epochs: int, samples: int, num_classes: int,
             batch_size: int, resolution: int) -> str:
    """The smallest change that makes something feasible: batch, then resolution."""
    smallest_flash = min(options, key=lambda o: o.storage_bytes)
    if device.frozen_weights_in_flash and any("flash" in v for v in smallest_flash.violations):
        return (f"the model's frozen weights alone do not fit the flash "
                f"({smallest_flash.violations[-1]}): choose a smaller model")
    lightest = min(options, key=lambda o: o.required_ram_bytes)
    if any("RAM" in v for v in lightest.violations):
        trials = [(b, resolution) for b in (batch_size // 2, batch_size // 4, 1) if b >= 1]
        trials += [(1, r) for r in (resolution * 3 // 4, resolution // 2, resolution // 4)
                    if r >= 32]
        seen = set()
        for b, r in trials:
            if (b, r) in seen or (b, r) == (batch_size, resolution):
                continue
            seen.add((b, r))
            cost = costs(model, [lightest.config], b, r, num_classes)[lightest.config]
            option = _evaluate(lightest.config, cost, device, limits, surrogate, epochs, samples)
            if option.feasible:
                return (f"{lightest.label} fits with --batch-size {b} --resolution {r} "
                        f"(needs {human_bytes(option.required_ram_bytes)})")
        return (f"even {lightest.label} at batch 1 does not fit: choose a smaller model or a "
                "device with more memory")
    best = max(options, key=lambda o: o.predicted_accuracy)
    return f"closest: {best.label}: {'; '.join(best.violations)}; relax that limit"


def _check_scale(batch_size: int, resolution: int) -> None:
    if batch_size < 1 or not 8 <= resolution <= 512:
        raise AdvisorError("need --batch-size >= 1 and --resolution 8..512")


def study_evidence(model: str = "mobilenet_v3_small", task: str = "unseen",
                   storage: str | None = None, study: str | None = None,
                   trials: int = DEFAULT_TRIALS, epochs: int = TRIAL_EPOCHS,
                   run_search: bool = True) -> Evidence:
    """Open the (model, task) study and fit the accuracy surrogate.

    With ``run_search``, a study with too few trials is first run (a few minutes, with a
    progress bar); without, it is an AdvisorError that says to run one.
    """
    from advisor import progress

    spec = resolve_model(model)
    if task not in TASKS:
        raise AdvisorError(f"unknown task '{task}'; choose one of: {', '.join(TASKS)}")
    opened = open_study(spec.name, task, storage, study, epochs=epochs)
    results = completed_results(opened)
    if len(results) < MIN_TRIALS and run_search:  # no usable study yet (never top up silently)
        progress.note(f"no study for {spec.name} on '{task}' yet: running {trials} short trials "
                      f"(stored in {storage or 'the cache'}; later calls reuse them)")
        opened = search(spec.name, task, trials - len(results), storage, study, epochs=epochs)
        results = completed_results(opened)
    surrogate = AccuracySurrogate().fit(results)
    attrs = opened.user_attrs
    if "target_train_size" not in attrs:  # a study made by other means
        from advisor.tasks import load_task

        data = load_task(task)
        attrs = {"target_train_size": len(data.target.train),
                 "num_classes": data.target.num_classes}
        for key, value in attrs.items():  # stored, so later calls need no data
            opened.set_user_attr(key, value)
    return Evidence(model=spec.name, task=task, study=opened.study_name, epochs=epochs,
                    surrogate=surrogate, samples=attrs["target_train_size"],
                    num_classes=attrs["num_classes"])


def decide(evidence: Evidence, device: str | DeviceProfile = "jetson-nano",
           constraints: Constraints | None = None, batch_size: int | None = None,
           resolution: int | None = None, samples: int | None = None,
           configs: list[Config] | None = None) -> Recommendation:
    """Rank every candidate for this device and these limits, and explain the choice."""
    profile = load_device(device)
    limits = constraints or Constraints()
    batch_size = batch_size or profile.batch_size
    resolution = resolution or profile.resolution
    _check_scale(batch_size, resolution)
    surrogate, epochs, task = evidence.surrogate, evidence.epochs, evidence.task
    samples = samples or evidence.samples
    num_classes = evidence.num_classes
    candidates = valid_configs(evidence.model, configs or grid())
    options = evaluate_all(evidence.model, candidates, profile, limits, surrogate, epochs,
                           samples, num_classes, batch_size, resolution,
                           evidence.predictions(candidates))
    ranked = rank_options(options)
    chosen = ranked[0] if ranked[0].feasible else None
    for option in ranked:
        if not option.feasible:
            option.reason = "; ".join(option.violations)
        elif option is chosen:
            option.reason = "the most accurate configuration that fits"
        else:
            gap = chosen.predicted_accuracy - option.predicted_accuracy
            if gap > surrogate.cv_mae:
                option.reason = f"{100 * gap:.1f} points less accurate (predicted)"
            else:
                option.reason = (f"{100 * gap:.1f} points less accurate, within the "
                                 f"surrogate's error (+-{100 * surrogate.cv_mae:.1f}): a close "
                                 "alternative")
    alternatives = []
    for method in METHODS:
        best = next((o for o in ranked if o.method == method and o is not chosen), None)
        if best is not None:
            alternatives.append(best)
    suggestion = None if chosen else _suggest(evidence.model, options, profile, limits,
                                              surrogate, epochs, samples, num_classes,
                                              batch_size, resolution)
    notes = [
        f"accuracy: measured for the {len(surrogate.tried)} configurations the study tried, else "
        f"a random-forest surrogate over its {surrogate.n_trials} trials (built-in '{task}' "
        f"task, 32 px, {epochs} epochs); cross-validated error +-{surrogate.cv_mae:.1%}",
        f"memory, FLOPs, storage: exact, one training step on fake tensors at batch "
        f"{batch_size}, {resolution} px; RAM need = peak x {profile.runtime_overhead} runtime "
        "overhead" + (", frozen weights read from flash" if profile.frozen_weights_in_flash
                      else ""),
        f"update time: ESTIMATE, {samples} samples x {epochs} epochs at "
        f"{profile.compute.training_gflops:g} GFLOP/s ({profile.compute.training_gflops_basis})",
    ]
    return Recommendation(
        device=profile.id, device_name=profile.name, model=evidence.model, task=task,
        study=evidence.study, trials=surrogate.n_trials, surrogate_error=surrogate.cv_mae,
        samples=samples, constraints=limits, recommendation=chosen, alternatives=alternatives,
        suggestion=suggestion, notes=notes, ranked=ranked)


def recommend(device: str | DeviceProfile = "jetson-nano", model: str = "mobilenet_v3_small",
              task: str = "unseen", constraints: Constraints | None = None,
              batch_size: int | None = None, resolution: int | None = None,
              samples: int | None = None, storage: str | None = None,
              study: str | None = None, trials: int = DEFAULT_TRIALS,
              epochs: int = TRIAL_EPOCHS,
              configs: list[Config] | None = None) -> Recommendation:
    """The best configuration that fits, with its costs, slack and the runners-up.

    Runs a study first if (model, task) has none (a few minutes, shown with a progress bar).
    ``configs`` restricts the candidates (default: every method x rank x target policy).
    """
    profile = load_device(device)  # bad input fails before any study is opened or run
    _check_scale(batch_size or profile.batch_size, resolution or profile.resolution)
    evidence = study_evidence(model, task, storage, study, trials, epochs)
    return decide(evidence, profile, constraints, batch_size, resolution, samples, configs)
