"""Exact device-scale costs of candidate configurations, computed once and kept on disk.

A fake-tensor profile takes about a second, so every candidate gets an exact cost rather than
a learned estimate. Each is kept batch-scaled (cost/scaling.py): one costing per (model,
resolution) serves every batch size exactly, so a recommendation for another device at the same
resolution needs no profiling at all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from advisor import progress
from advisor.config import Config, canonical_key
from advisor.cost.result import StepCost
from advisor.cost.scaling import BatchScaledCost
from advisor.paths import cache_dir

VERSION = 3  # bump when the profiler's results or the keys change


def _path() -> Path:
    return cache_dir() / f"costs-v{VERSION}.json"


def _key(model: str, config: Config, resolution: int, num_classes: int) -> str:
    return canonical_key({"model": model, "config": config.cost_config().model_dump(),
                          "resolution": resolution, "num_classes": num_classes})


def _load() -> dict:
    try:
        return json.loads(_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(data: dict) -> None:
    tmp = _path().with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, _path())


def screen(model: str, configs: list[Config]) -> dict[Config, str | None]:
    """Per configuration, None if the method accepts it on this model, else the reason it
    refuses (e.g. LoRA rank 8 on depthwise convs); decided on the meta device, cached."""
    data = _load()
    refusals = data.setdefault("refusals", {}).setdefault(model, {})
    missing = [c for c in configs if c.cost_config().key() not in refusals]
    if missing:
        from advisor.errors import IncompatibleConfigError
        from advisor.methods import get_method
        from advisor.zoo import resolve_model, skeleton

        spec = resolve_model(model)
        net = skeleton(spec)
        for c in missing:
            try:
                get_method(c.method).validate(net, spec.head, c)
            except IncompatibleConfigError as exc:
                refusals[c.cost_config().key()] = str(exc)
            else:
                refusals[c.cost_config().key()] = None
        _save(data)
    return {c: refusals[c.cost_config().key()] for c in configs}


def valid_configs(model: str, configs: list[Config]) -> list[Config]:
    """The configurations a method accepts on this model."""
    return [c for c, refusal in screen(model, configs).items() if refusal is None]


def costs(model: str, configs: list[Config], batch_size: int, resolution: int,
          num_classes: int) -> dict[Config, StepCost]:
    """Exact costs for ``configs``; missing ones are profiled (with a progress bar) and saved."""
    data = _load()
    keys = {c: _key(model, c, resolution, num_classes) for c in configs}
    missing = list(dict.fromkeys(keys[c] for c in configs if keys[c] not in data))
    if missing:
        from advisor.cost import profile_batch_scaled

        todo = {keys[c]: c for c in configs if keys[c] in missing}
        with progress.progress_bar(len(todo), f"costing {len(todo)} configurations of "
                                   f"{model} at {resolution} px (once)") as advance:
            for key, c in todo.items():
                scaled = profile_batch_scaled(model, c, resolution, num_classes)
                data[key] = scaled.model_dump(mode="json")
                advance(1)
        _save(data)
    return {c: BatchScaledCost.model_validate(data[keys[c]]).at(batch_size) for c in configs}
