"""The two update scenarios of the paper, on built-in or local data.

A task has a *source* split (what the model was pretrained on) and a *target* split (what the
device must learn in the field):

- ``unseen``: the target holds classes the source never had; the head is replaced.
- ``shift``: the target holds the source classes under corruption (new camera, noise, blur...);
  the pretrained head is kept.

Both scenarios share one source split (the first half of the classes), so one pretrained
checkpoint per model serves both. The built-in data is scikit-learn's handwritten digits: a
real image set that ships inside an installed package, so nothing is ever downloaded.
Fashion-MNIST comes from Debian's package (fashion_mnist.py); CIFAR-10 and image folders from
local paths.
Images are kept as uint8 (N, 3, H, W) tensors: small in memory even for CIFAR-10.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from advisor import defaults
from advisor.config import check_scale, check_task
from advisor.errors import AdvisorError
from advisor.training.corruptions import corrupt
from advisor.training.images import read_image_folder, resize, scan_image_folder, to_uint8
from advisor.training.protocol import SOURCE_PARTS, TARGET_PARTS, check_sizes, cuts

_SPLIT_SEED = 20250731  # fixed: splits never depend on a trial's seed


@dataclass(frozen=True)
class ImageSet:
    images: torch.Tensor  # uint8, (N, 3, H, W)
    labels: torch.Tensor  # int64, (N,)

    def __len__(self) -> int:
        return len(self.labels)

    def floats(self, index: torch.Tensor | slice = slice(None)) -> torch.Tensor:
        return self.images[index].float().div_(255)


@dataclass(frozen=True)
class Split:
    train: ImageSet
    test: ImageSet
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class Task:
    name: str
    dataset: str
    resolution: int
    source: Split
    target: Split
    new_head: bool
    description: str

    @property
    def source_fingerprint(self) -> str:
        """Identifies the source data, so cached pretrained weights are reused only on it."""
        h = hashlib.sha256()
        h.update(self.source.train.images.numpy().tobytes())
        h.update(self.source.train.labels.numpy().tobytes())
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class _Pool:
    """All images of a dataset at the task resolution, before splitting."""

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    name: str
    corrupted_by_class: dict[int, torch.Tensor] | None = None  # e.g. CIFAR-10-C, if present


def _digits_pool(resolution: int) -> _Pool:
    from sklearn.datasets import load_digits

    digits = load_digits()
    gray = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    rgb = resize(gray, resolution).expand(-1, 3, -1, -1)
    return _Pool(to_uint8(rgb), torch.from_numpy(digits.target).long(),
                 tuple(str(d) for d in range(10)), "digits")


def _imagefolder_pool(root: str, resolution: int) -> _Pool:
    images, labels, classes = read_image_folder(root, resolution)
    return _Pool(images, labels, classes, f"imagefolder:{root}")


def _cifar10_pool(root: str, resolution: int, corruption: str, severity: int) -> _Pool:
    from torchvision.datasets import CIFAR10

    try:
        parts = [CIFAR10(root, train=train, download=False) for train in (True, False)]
    except RuntimeError:
        raise AdvisorError(
            f"CIFAR-10 not found under {root} (expected {root}/cifar-10-batches-py); "
            "download it once with torchvision.datasets.CIFAR10(root, download=True) when online"
        ) from None
    arrays = np.concatenate([p.data for p in parts])
    images = torch.from_numpy(arrays).permute(0, 3, 1, 2).float() / 255
    labels = torch.tensor([y for p in parts for y in p.targets], dtype=torch.long)
    corrupted = None
    c_file = Path(root) / "CIFAR-10-C" / f"{corruption}.npy"
    if c_file.is_file():
        # CIFAR-10-C: 10,000 corrupted test images per severity, labels in labels.npy.
        c_images, c_labels = _cifar10_c(c_file, severity)
        c = to_uint8(resize(torch.from_numpy(c_images).permute(0, 3, 1, 2).float() / 255,
                            resolution))
        c_lab = torch.from_numpy(c_labels).long()
        corrupted = {k: c[c_lab == k] for k in range(10)}
    return _Pool(to_uint8(resize(images, resolution)), labels, tuple(parts[0].classes),
                 f"cifar10:{root}", corrupted)


def _cifar10_c(c_file: Path, severity: int) -> tuple[np.ndarray, np.ndarray]:
    """One severity of a CIFAR-10-C corruption: 10,000 images, labels in labels.npy."""
    part = slice((severity - 1) * 10000, severity * 10000)
    try:
        images = np.load(c_file, allow_pickle=False)[part]
        labels = np.load(c_file.parent / "labels.npy", allow_pickle=False)[part]
    except (OSError, ValueError, EOFError) as exc:
        raise AdvisorError(f"{c_file}: not a CIFAR-10-C array ({type(exc).__name__})") from None
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) != len(labels) or not len(images):
        raise AdvisorError(f"{c_file}: not a CIFAR-10-C array of severity {severity} "
                           f"(images {images.shape}, labels {labels.shape})")
    return images, labels


# Fashion-MNIST has 7,000 images per class; a field update has a few hundred labelled images
# per class. 1,200 per class, split as below, gives: pretraining 660 train + 180 test per
# source class; `unseen` 480 train and 720 test per new class (3,600 test images: the binomial
# standard error of one accuracy near 90% is 0.5 points); `shift` 180 train and 180 test per
# class (900 test images: 1.0 point). Sized so that a trial takes under a minute on 2 cores and
# the shipped evidence (shipped.py) can be rebuilt on one machine in hours, not days.
FASHION_PER_CLASS = 1200


def _fashion_mnist_pool(folder: str, resolution: int) -> _Pool:
    from advisor.training import fashion_mnist

    images, labels, classes = fashion_mnist.load(folder or None)
    g = torch.Generator().manual_seed(_SPLIT_SEED)
    keep = torch.cat([idx[torch.randperm(len(idx), generator=g)[:FASHION_PER_CLASS]]
                      for idx in (torch.nonzero(labels == c).flatten()
                                  for c in range(len(classes)))])
    gray = images[keep].float().div(255).unsqueeze(1)
    rgb = resize(gray, resolution).expand(-1, 3, -1, -1)
    return _Pool(to_uint8(rgb), labels[keep], classes,
                 "fashion-mnist" + (f":{folder}" if folder else ""))


def _stratified_parts(labels: torch.Tensor, classes: list[int],
                      fractions: tuple[float, ...]) -> list[torch.Tensor]:
    """Deterministic per-class split of indices into consecutive parts of given fractions."""
    g = torch.Generator().manual_seed(_SPLIT_SEED)
    parts: list[list[torch.Tensor]] = [[] for _ in fractions]
    for c in classes:
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        at = cuts(len(idx), fractions)
        for i in range(len(fractions)):
            parts[i].append(idx[at[i] : at[i + 1]])
    return [torch.cat(p) for p in parts]


def _relabel(labels: torch.Tensor, classes: list[int]) -> torch.Tensor:
    mapping = {c: i for i, c in enumerate(classes)}
    return torch.tensor([mapping[int(y)] for y in labels], dtype=torch.long)


def _subset(pool: _Pool, index: torch.Tensor, classes: list[int]) -> ImageSet:
    return ImageSet(pool.images[index], _relabel(pool.labels[index], classes))


def check_dataset(dataset: str, task: str | None = None) -> None:
    """Refuse a dataset name that cannot be read, before a study is opened for it: an unknown
    kind, a path where none is taken or none where one is needed, a folder that is not there.
    An image folder is scanned too (files, headers, and with ``task`` the images per class);
    what the files decode to is checked when they are read."""
    kind, _, path = dataset.partition(":")
    takes_path = {"digits": ("no",), "fashion-mnist": ("no", "yes"), "imagefolder": ("yes",),
                  "cifar10": ("yes",)}
    if ("yes" if path else "no") not in takes_path.get(kind, ()):
        raise AdvisorError(
            f"unknown dataset '{dataset}'; use digits (built-in), fashion-mnist[:DIR], "
            "imagefolder:PATH or cifar10:PATH"
        )
    if path and not Path(path).is_dir():
        raise AdvisorError(f"dataset folder not found: {path} (from --dataset {dataset})")
    if kind == "imagefolder":
        scan = scan_image_folder(path)
        if task is not None:
            check_sizes(scan.counts(), scan.classes, task, dataset)


def _load_pool(dataset: str, resolution: int, corruption: str, severity: int) -> _Pool:
    check_dataset(dataset)
    kind, _, path = dataset.partition(":")
    if kind == "digits":
        return _digits_pool(resolution)
    if kind == "imagefolder":
        return _imagefolder_pool(path, resolution)
    if kind == "cifar10":
        return _cifar10_pool(path, resolution, corruption, severity)
    return _fashion_mnist_pool(path, resolution)


def load_task(name: str = defaults.TASK, dataset: str = defaults.DATASET,
              resolution: int = defaults.TRIAL_RESOLUTION, corruption: str = defaults.CORRUPTION,
              severity: int = defaults.SEVERITY) -> Task:
    """Build a task; deterministic for given arguments (splits use a fixed seed)."""
    check_task(name)
    check_scale(resolution=resolution)
    pool = _load_pool(dataset, resolution, corruption, severity)
    n_classes = len(pool.class_names)
    check_sizes(torch.bincount(pool.labels, minlength=n_classes).tolist(), pool.class_names,
                name, pool.name)
    source_classes = list(range((n_classes + 1) // 2))
    target_classes = list(range(len(source_classes), n_classes))
    # Source-class images: pretraining train/test, then the shift task's own train/test.
    src_train, src_test, shift_train, shift_test = _stratified_parts(
        pool.labels, source_classes, SOURCE_PARTS)
    source = Split(_subset(pool, src_train, source_classes),
                   _subset(pool, src_test, source_classes),
                   tuple(pool.class_names[c] for c in source_classes))
    if name == "unseen":
        train, test = _stratified_parts(pool.labels, target_classes, TARGET_PARTS)
        target = Split(_subset(pool, train, target_classes), _subset(pool, test, target_classes),
                       tuple(pool.class_names[c] for c in target_classes))
        description = (f"learn {len(target_classes)} classes unseen in pretraining "
                       f"({', '.join(target.class_names)}) on {pool.name}")
        return Task(name, pool.name, resolution, source, target, True, description)
    if pool.corrupted_by_class is not None:
        images = torch.cat([pool.corrupted_by_class[c] for c in source_classes])
        labels = torch.cat([torch.full((len(pool.corrupted_by_class[c]),), c)
                            for c in source_classes])
        c_pool = _Pool(images, labels, pool.class_names, pool.name)
        train, test = _stratified_parts(labels, source_classes, (0.5, 0.5))
        target = Split(_subset(c_pool, train, source_classes),
                       _subset(c_pool, test, source_classes), source.class_names)
        how = f"CIFAR-10-C {corruption} severity {severity}"
    else:
        target = Split(*(
            ImageSet(to_uint8(corrupt(_subset(pool, idx, source_classes).floats(), corruption,
                                       severity, seed=seed)),
                     _relabel(pool.labels[idx], source_classes))
            for idx, seed in ((shift_train, 1), (shift_test, 2))
        ), source.class_names)
        how = f"{corruption} corruption, severity {severity}"
    description = f"same {len(source_classes)} classes under {how} on {pool.name}"
    return Task(name, pool.name, resolution, source, target, False, description)
