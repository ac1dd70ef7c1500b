"""Everything ``advisor update`` checks before it writes anything: the model, OUT/, the
weights, the images, the plan, the memory it will need, and for ``--resume`` that nothing
changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from advisor.errors import AdvisorError
from advisor.updater.images import Images, find_images
from advisor.updater.outdir import OutDir
from advisor.updater.plan import RUN_FIELDS, Plan, check_request, make_plan
from advisor.updater.prediction import Prediction, check, predict
from advisor.updater.weights import Weights, starting_weights
from advisor.zoo import ModelSpec, resolve_model

if TYPE_CHECKING:
    from advisor.decision.answer import Recommendation
    from advisor.devices.profile import Constraints, DeviceProfile


@dataclass
class Setup:
    """Everything an update needs, checked; nothing written yet."""

    spec: ModelSpec
    weights: Weights
    images: Images
    plan: Plan
    prediction: Prediction
    out: OutDir
    previous: dict[str, Any] | None
    identity: dict[str, Any]
    val_fraction: float | None


def _given(config: BaseModel | dict[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    values = config.model_dump(exclude_none=True) if isinstance(config, BaseModel) else config
    return {k: v for k, v in values.items() if k in RUN_FIELDS and v is not None}


def _change(key: str, old: Any, new: Any) -> str:
    if key == "configuration" and isinstance(old, dict):
        name = next(k for k in new if old.get(k) != new[k])
        return f"{name} {old.get(name)} -> {new[name]}"
    if key == "images" and isinstance(old, dict) and old.get("counts") != new["counts"]:
        count = {s: sum(new["counts"][s].values()) for s in new["counts"]}
        was = {s: sum(old.get("counts", {}).get(s, {}).values()) for s in new["counts"]}
        split = next((s for s in count if count[s] != was[s]), "train")
        return f"{split}: {was[split]} -> {count[split]} images"
    if key == "images":
        return "the same counts, other files or contents"
    return f"{old} -> {new}"


def _check_resumable(previous: dict[str, Any] | None, out: OutDir) -> None:
    if previous is None:
        raise AdvisorError(f"--resume: advisor started no update in {out.path}")
    if previous.get("finished"):
        raise AdvisorError(f"--resume: the update in {out.path} finished already; run "
                           "without --resume to update again")
    if previous.get("epochs_done") and not (out.path / "checkpoint.pt").is_file():
        raise AdvisorError(f"--resume: the checkpoint in {out.path} is missing")


def _check_resume(previous: dict[str, Any], identity: dict[str, Any], out: OutDir) -> None:
    """Refuse to go on with another run than the one that was stopped: say what changed."""
    old = previous.get("identity", {})
    for key in identity:
        if old.get(key) != identity[key]:
            raise AdvisorError(f"--resume: the {key} changed since the update in {out.path} "
                               f"started ({_change(key, old.get(key), identity[key])}): run "
                               "without --resume to start over")


def prepare_update(model: str | None, images: str | Path, out: str | Path, *,
                   weights: str = "builtin", recipe: str | None = None,
                   device: str | DeviceProfile | None = None,
                   constraints: Constraints | None = None,
                   config: BaseModel | dict[str, Any] | None = None, task: str | None = None,
                   val_fraction: float | None = None, resume: bool = False,
                   force: bool = False, prefer: str | None = None,
                   on_recommendation: Callable[[Recommendation], None] | None = None) -> Setup:
    """Every check of ``update``, cheapest first; one line (AdvisorError) for the first that
    fails. Nothing is written."""
    from advisor.decision.recipe import read_recipe

    if model is None and recipe is None:
        raise AdvisorError("--model: which model is updated? (or give --recipe)")
    spec = resolve_model(model if model is not None else read_recipe(recipe).trial.model)
    check_request(spec, _given(config), recipe, device, constraints)
    out_dir = OutDir(out)
    previous = out_dir.check(force)
    if resume:
        _check_resumable(previous, out_dir)
    start = starting_weights(spec, weights)
    data = find_images(images, val_fraction)
    plan = make_plan(spec, start, data.classes, len(data.train_samples), data.root,
                     given=_given(config), model_given=model is not None, recipe=recipe,
                     device=device, constraints=constraints, task=task, prefer=prefer,
                     on_recommendation=on_recommendation)
    prediction = predict(plan, len(data.classes))
    check(plan, prediction, force)
    identity = {"model": spec.name, "task": plan.task, "configuration": plan.run_fields(),
                "classes": list(data.classes), "weights": start.fingerprint,
                "images": {"fingerprint": data.fingerprint, "counts": data.counts()}}
    if resume and previous is not None:
        _check_resume(previous, identity, out_dir)
    return Setup(spec, start, data, plan, prediction, out_dir, previous, identity,
                 val_fraction)
