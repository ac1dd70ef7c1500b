"""What an update runs: the configuration (from a recipe, from flags, or recommended for a
device), the task mode (keep the head or give a new one) and the device it must fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from advisor import defaults
from advisor.config import Config, TrialConfig
from advisor.decision.recipe import read_recipe
from advisor.devices.profile import Constraints, DeviceProfile, load_device
from advisor.errors import AdvisorError, validation_message
from advisor.updater.weights import Weights
from advisor.zoo import ModelSpec

if TYPE_CHECKING:
    from advisor.decision.answer import Recommendation

RUN_FIELDS = (*Config.model_fields, "epochs", "batch_size", "resolution", "seed")


@dataclass(frozen=True)
class Plan:
    config: TrialConfig  # model, the configuration, epochs, batch size, resolution, seed
    task: str
    source: str  # where the configuration came from, for people
    device: DeviceProfile | None = None
    ram_limit: int | None = None  # --max-memory, when given with the device
    recommendation: Recommendation | None = None

    def run_fields(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json", include=set(RUN_FIELDS))


def choose_task(task: str | None, weights: Weights, classes: tuple[str, ...]) -> str:
    """``shift`` keeps the head, so the images' classes must be the head's; ``unseen`` gives
    a new head. Default: shift where they are (by name where the weights know names, else by
    count), unseen otherwise."""
    same_count = weights.head_outputs == len(classes)
    same_names = weights.classes is None or weights.classes == classes
    if task is None:
        return "shift" if same_count and same_names else "unseen"
    if task == "shift" and not same_count:
        raise AdvisorError(f"--task shift keeps the head, which has {weights.head_outputs} "
                           f"outputs; the images have {len(classes)} classes: use --task "
                           "unseen for a new head")
    if task == "shift" and not same_names:
        raise AdvisorError(f"--task shift keeps the head, whose classes are "
                           f"{', '.join(weights.classes or ())}; the images have "
                           f"{', '.join(classes)}: use --task unseen for a new head")
    return task


def refuse_microcontroller(device: DeviceProfile) -> DeviceProfile:
    if device.kind == "mcu":
        raise AdvisorError(f"{device.id} is a microcontroller: advisor update runs PyTorch, "
                           "which it cannot hold (recommend and export still say what fits)")
    return device


def checked_config(spec: ModelSpec, fields: dict[str, Any], what: str) -> TrialConfig:
    from advisor.training.protocol import check_resolution
    from advisor.training.trial import check_config

    try:
        config = TrialConfig(**{**fields, "model": spec.name})
    except ValidationError as exc:
        raise AdvisorError(validation_message(what, exc)) from None
    check_config(spec.name, config)  # the method accepts it on this model, before any data
    check_resolution(spec.name, config.resolution)
    return config


def _from_recipe(spec: ModelSpec, path: str, given: dict[str, Any], model_given: bool,
                 weights_resolution: int | None) -> tuple[TrialConfig, DeviceProfile]:
    from advisor.zoo import resolve_model

    recipe = read_recipe(path)
    if recipe.trial.optimizer != defaults.OPTIMIZER:  # its accuracy is SGD's, not AdamW's
        raise AdvisorError(f"recipe {path} is for an ExecuTorch program (its accuracy was "
                           f"measured with {recipe.trial.optimizer}, as a program trains): use "
                           f"advisor program --recipe {path}, or export a recommendation for "
                           "PyTorch")
    written_for = resolve_model(recipe.trial.model).name
    if model_given and written_for != spec.name:
        raise AdvisorError(f"recipe {path} was written for {written_for}, not {spec.name}")
    fields = {k: getattr(recipe.trial, k) for k in recipe.trial.model_fields_set
              if k in RUN_FIELDS}  # as written: what the recipe leaves out is a default
    config = checked_config(resolve_model(written_for), fields, f"recipe {path}")
    try:
        flagged = checked_config(resolve_model(written_for), {**fields, **given}, "update")
    except AdvisorError:  # a flag the recipe's configuration cannot take: a contradiction
        flagged = None
    for name, value in given.items():
        if name != "seed" and (flagged is None or getattr(config, name) != getattr(flagged, name)):
            raise AdvisorError(f"recipe {path} was written for {name.replace('_', ' ')} "
                               f"{getattr(config, name)}; --{name.replace('_', '-')} {value} "
                               "contradicts it (drop one of them)")
    if weights_resolution is not None and weights_resolution != config.resolution:
        raise AdvisorError(f"recipe {path} was written for {config.resolution} px; the weights "
                           f"were updated at {weights_resolution} px")
    return flagged or config, refuse_microcontroller(recipe.device)


def _evidence(spec: ModelSpec, task: str, images: Path):
    """The user's study of these images where one exists, else the shipped evidence."""
    from advisor.decision.evidence import study_evidence
    from advisor.decision.recommend import evidence_for

    try:
        return study_evidence(spec.name, task, dataset=f"imagefolder:{images}")
    except AdvisorError:
        return evidence_for(spec.name, task)


def _recommended(spec: ModelSpec, device: DeviceProfile, constraints: Constraints, task: str,
                 given: dict[str, Any], samples: int, images: Path,
                 prefer: str) -> tuple[TrialConfig, Recommendation]:
    from advisor.decision.recommend import decide

    result = decide(_evidence(spec, task, images), device, constraints,
                    given.get("batch_size"), given.get("resolution"), samples, prefer=prefer)
    option = result.recommendation
    if option is None:
        raise AdvisorError(f"no update of {spec.name} fits {device.id}: {result.suggestion}")
    fields = {**option.as_config().model_dump(), "epochs": option.epochs,
              "batch_size": option.batch_size, "resolution": option.resolution,
              "seed": given.get("seed", defaults.SEED)}
    return checked_config(spec, fields, "recommendation"), result


def check_request(spec: ModelSpec, given: dict[str, Any], recipe: str | None,
                  device: str | DeviceProfile | None,
                  constraints: Constraints | None) -> DeviceProfile | None:
    """What the flags alone can tell is wrong, before weights or images are read; the
    device named, if any."""
    if recipe is not None and device is not None:
        raise AdvisorError("--recipe names its device already; drop --device")
    if constraints is not None and any(v is not None for v in constraints.model_dump().values()) \
            and device is None:
        raise AdvisorError("constraints (--max-memory, ...) apply with --device only")
    if recipe is None and set(given) & set(Config.model_fields):
        resolution = given.get("resolution", defaults.MIN_RESOLUTION)
        checked_config(spec, {**given, "resolution": resolution}, "update")
    return refuse_microcontroller(load_device(device)) if device is not None else None


def make_plan(spec: ModelSpec, weights: Weights, classes: tuple[str, ...], samples: int,
              images: Path, *, given: dict[str, Any], model_given: bool = True,
              recipe: str | None = None, device: str | DeviceProfile | None = None,
              constraints: Constraints | None = None, task: str | None = None,
              prefer: str | None = None,
              on_recommendation: Callable[[Recommendation], None] | None = None) -> Plan:
    """``given``: the run fields set by flags. With ``device`` and no configuration flags the
    configuration is recommended for the device (and shown through ``on_recommendation``);
    with both, the flags run and the device's RAM is checked."""
    profile = check_request(spec, given, recipe, device, constraints)
    limit = constraints.max_memory if constraints is not None else None
    if recipe is not None:
        config, profile = _from_recipe(spec, recipe, given, model_given, weights.resolution)
        return Plan(config, choose_task(task, weights, classes), f"recipe {recipe}", profile)
    chosen = choose_task(task, weights, classes)
    if profile is not None and not set(given) & set(Config.model_fields):
        from advisor.decision.verdicts import PREFER_DEFAULT

        config, result = _recommended(spec, profile, constraints or Constraints(), chosen,
                                      given, samples, images, prefer or PREFER_DEFAULT)
        if on_recommendation is not None:
            on_recommendation(result)
        return Plan(config, chosen, f"recommended for {profile.id}", profile, limit, result)
    resolution = given.get("resolution", weights.resolution or defaults.COST_RESOLUTION)
    config = checked_config(spec, {**given, "resolution": resolution}, "update")
    return Plan(config, chosen, "flags", profile, limit)
