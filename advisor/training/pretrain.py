"""The model before the update: pretrained on the task's source split, cached on disk.

Deterministic for a given (architecture, source data, initialisation, recipe), so the cache key
is exactly that, and the first run on a fresh machine pays the training once for everyone after
(processes asking at the same time included: a file lock lets one of them pretrain).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from filelock import FileLock, Timeout
from torch import nn

from advisor import progress
from advisor.paths import weights_dir
from advisor.training.loop import accuracy, recalibrate_batchnorm, train_epochs
from advisor.training.tasks import Task
from advisor.weights import read_weights
from advisor.zoo import (
    ModelSpec,
    build_model,
    get_head,
    head_shape,
    imagenet_state_dict,
    replace_head,
)

RECIPE = {"epochs": 20, "lr": 3e-3, "batch_size": 64, "weight_decay": 1e-4, "seed": 0,
          "version": 1}


@dataclass(frozen=True)
class SourceModel:
    model: nn.Module
    source_accuracy: float


def cache_path(spec: ModelSpec, task: Task, init: str) -> Path:
    return weights_dir() / (f"{spec.name}-{init}-src{task.source_fingerprint}"
                            f"-r{task.resolution}-v{RECIPE['version']}.pt")


def _pretrain(spec: ModelSpec, task: Task, start: dict | None) -> nn.Module:
    """``start``: the ImageNet state dict to begin from, or None for a random start."""
    torch.manual_seed(RECIPE["seed"])
    if start is not None:
        model = build_model(spec, 1000)
        model.load_state_dict(start)
        replace_head(model, spec, task.source.num_classes)
    else:
        model = build_model(spec, task.source.num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=RECIPE["lr"],
                                  weight_decay=RECIPE["weight_decay"])
    steps = RECIPE["epochs"] * -(-len(task.source.train) // RECIPE["batch_size"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, RECIPE["lr"], total_steps=steps)
    generator = torch.Generator().manual_seed(RECIPE["seed"])
    model.train()
    with progress.progress_bar(steps, f"pretraining {spec.name} on the source split") as advance:
        train_epochs(model, optimizer, task.source.train, RECIPE["epochs"], RECIPE["batch_size"],
                     generator, augment=True, scheduler=scheduler, on_step=lambda _: advance(1))
    recalibrate_batchnorm(model, task.source.train)
    return model


def _load_file(spec: ModelSpec, task: Task, path: str) -> nn.Module:
    model = read_weights(path, spec)
    if head_shape(get_head(model, spec))[0] != task.source.num_classes:
        replace_head(model, spec, task.source.num_classes)
    return model


def source_model(spec: ModelSpec, task: Task, weights: str = "builtin") -> SourceModel:
    """The deployed model: pretrained (or loaded) and evaluated on the source test split."""
    if weights not in ("builtin", "imagenet"):
        model = _load_file(spec, task, weights)
        return SourceModel(model, accuracy(model, task.source.test))
    path = cache_path(spec, task, weights)
    # A checkpoint on disk is whole (written atomically), so it is read without the lock:
    # workers of one search loading it at once neither queue behind each other nor say they
    # wait for a pretraining. An unreadable one is dealt with below, under the lock.
    if path.is_file():
        try:
            return _load(spec, task, path)
        except Exception:
            pass
    # ImageNet weights are fetched before the lock and the pretraining: offline, the one-line
    # error comes before any work (torchvision's own cache makes a second fetch free).
    start = imagenet_state_dict(spec) if weights == "imagenet" else None
    # One pretrainer per checkpoint: worker processes of one search (advisor search --jobs N,
    # benchmarks) all ask for the same model at once on a cold cache; the first pretrains,
    # the others wait here and load its file. The kernel drops the lock of a killed holder.
    lock = FileLock(path.with_name(path.name + ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress.note(f"waiting for another process pretraining {spec.name} ({path})")
        lock.acquire()
    try:
        return _cached(spec, task, path) or _pretrain_and_save(spec, task, start, path)
    finally:
        lock.release()


def _cached(spec: ModelSpec, task: Task, path: Path) -> SourceModel | None:
    if not path.is_file():
        return None
    try:
        return _load(spec, task, path)
    except Exception as exc:  # a damaged cache entry is rebuilt, never fatal
        progress.note(f"{path}: unreadable cached weights ({type(exc).__name__}); "
                      "pretraining again")
        path.unlink(missing_ok=True)
        return None


def _load(spec: ModelSpec, task: Task, path: Path) -> SourceModel:
    model = build_model(spec, task.source.num_classes)
    saved = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(saved["state_dict"])
    return SourceModel(model, float(saved["source_accuracy"]))


def _pretrain_and_save(spec: ModelSpec, task: Task, start: dict | None,
                       path: Path) -> SourceModel:
    started = time.perf_counter()
    model = _pretrain(spec, task, start)
    source_accuracy = accuracy(model, task.source.test)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save({"state_dict": model.state_dict(), "source_accuracy": source_accuracy,
                "recipe": RECIPE, "seconds": time.perf_counter() - started}, tmp)
    os.replace(tmp, path)  # atomic: a kill mid-save never leaves half a checkpoint
    progress.note(f"pretrained {spec.name}: source accuracy {source_accuracy:.1%} "
                  f"in {time.perf_counter() - started:.0f} s (cached at {path})")
    assert head_shape(get_head(model, spec))[0] == task.source.num_classes
    return SourceModel(model, source_accuracy)
