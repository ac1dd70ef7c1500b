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
from advisor.cost.report import CostReport
from advisor.cost.scaling import BatchScaledCost
from advisor.paths import cache_dir
from advisor.space import Config

VERSION = 2  # bump when the profiler's results change


def _path() -> Path:
    return cache_dir() / f"costs-v{VERSION}.json"


def _key(model: str, config: Config, resolution: int, num_classes: int) -> str:
    return f"{model}|{config.key()}|r{resolution}|c{num_classes}"


def _load() -> dict:
    try:
        return json.loads(_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(data: dict) -> None:
    tmp = _path().with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, _path())


def valid_configs(model: str, configs: list[Config]) -> list[Config]:
    """The configurations a method accepts on this model (e.g. no LoRA rank 8 on depthwise
    convs), decided once per model on the meta device and cached."""
    data = _load()
    key = f"valid|{model}|{','.join(c.key() for c in configs)}"
    if key not in data:
        from advisor.errors import AdvisorError
        from advisor.methods import METHODS, MethodConfig
        from advisor.zoo import resolve_model, skeleton

        spec = resolve_model(model)
        net = skeleton(spec)
        valid = []
        for c in configs:
            try:
                METHODS[c.method].validate(net, spec.head, MethodConfig(c.method, c.rank,
                                                                        c.targets))
            except AdvisorError:
                continue
            valid.append(c.key())
        data[key] = valid
        _save(data)
    accepted = set(data[key])
    return [c for c in configs if c.key() in accepted]


def costs(model: str, configs: list[Config], batch_size: int, resolution: int,
          num_classes: int) -> dict[Config, CostReport]:
    """Exact costs for ``configs``; missing ones are profiled (with a progress bar) and saved."""
    data = _load()
    keys = {c: _key(model, c, resolution, num_classes) for c in configs}
    missing = [c for c in configs if keys[c] not in data]
    if missing:
        from advisor.cost import profile_batch_scaled

        with progress.progress_bar(len(missing), f"costing {len(missing)} configurations of "
                                   f"{model} at {resolution} px (once)") as advance:
            for c in missing:
                scaled = profile_batch_scaled(model, c.method, c.rank, c.targets, resolution,
                                              num_classes)
                data[keys[c]] = scaled.model_dump(mode="json")
                advance(1)
        _save(data)
    return {c: BatchScaledCost.model_validate(data[keys[c]]).at(batch_size) for c in configs}
