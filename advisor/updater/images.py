"""The user's labelled images for an update: found, checked and fingerprinted before anything
is written, then streamed from disk (stream.py).

Two layouts, read by torchvision's ImageFolder: ``DIR/train/<class>/`` with
``DIR/val/<class>/``, or ``DIR/<class>/`` split per class by a fraction (a fixed seed: the
split never depends on the run's seed). Every class of the train split is an update class;
files whose names torchvision does not take for images are ignored, as ImageFolder does.

Unreadable or corrupt images are refused, not skipped: a data set silently smaller than the
user's would change the update without a word. The error names the first bad file and how
many there are. Every image is decoded once here for that, by the reader of every image folder
(training/images.py), and hashed for the fingerprint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import progress
from advisor.errors import AdvisorError
from advisor.training.images import read_image, unreadable_reason

if TYPE_CHECKING:
    from torch.utils.data import Dataset
    from torchvision.datasets import ImageFolder

DEFAULT_VAL_FRACTION = 0.2
_SPLIT_SEED = 20250731  # as the built-in tasks: a split never depends on a run's seed

Sample = tuple[str, int]  # path, class index


@dataclass(frozen=True)
class Images:
    root: Path
    classes: tuple[str, ...]
    layout: str  # "train/ and val/" or "class folders, 20% for validation"
    train: Dataset  # an ImageFolder or a Subset of one
    val: Dataset
    train_samples: tuple[Sample, ...]
    val_samples: tuple[Sample, ...]
    folders: tuple[ImageFolder, ...]
    fingerprint: str  # sha256 of every file's split, class, relative path and content

    def counts(self) -> dict[str, dict[str, int]]:
        return {split: {name: sum(1 for _, label in samples if label == i)
                        for i, name in enumerate(self.classes)}
                for split, samples in (("train", self.train_samples),
                                       ("val", self.val_samples))}

    def set_resolution(self, resolution: int) -> None:
        """Images are read as RGB, resized to ``resolution`` px square and normalised with
        ImageNet's statistics (as every model in advisor is fed)."""
        from advisor.updater.stream import image_transform

        for folder in self.folders:
            folder.transform = image_transform(resolution)


def _folder(path: Path) -> ImageFolder:
    from torchvision.datasets import ImageFolder

    try:
        return ImageFolder(str(path), allow_empty=True)
    except FileNotFoundError:
        raise AdvisorError(f"no class folders in {path} (expected {path}/<class>/<image>)") \
            from None
    except OSError as exc:
        raise AdvisorError(f"cannot read {path}: {exc.strerror or exc}") from None


def _split(targets: list[int], classes: int, fraction: float) -> tuple[list[int], list[int]]:
    """Per class, a fixed shuffle; round(fraction x n) images for validation, at least one
    for training."""
    import torch

    g = torch.Generator().manual_seed(_SPLIT_SEED)
    train, val = [], []
    for c in range(classes):
        idx = [i for i, t in enumerate(targets) if t == c]
        shuffled = [idx[int(j)] for j in torch.randperm(len(idx), generator=g)]
        n_val = min(max(0, len(idx) - 1), round(fraction * len(idx)))
        val += shuffled[:n_val]
        train += shuffled[n_val:]
    return sorted(train), sorted(val)


def _split_layout(root: Path, val_fraction: float | None):
    train, val = _folder(root / "train"), _folder(root / "val")
    if val_fraction is not None:
        raise AdvisorError(f"--val-fraction: {root} is split already (train/ and val/)")
    extra = sorted(set(val.classes) - set(train.classes))
    if extra:
        raise AdvisorError(f"{root / 'val'} has class '{extra[0]}' that {root / 'train'} lacks "
                           f"({len(extra)} such class{'es' if len(extra) > 1 else ''}): every "
                           "validation class must be an update class")
    remap = {i: train.class_to_idx[name] for i, name in enumerate(val.classes)}
    val.target_transform = remap.__getitem__
    return (train.classes, "train/ and val/", train, val, train.samples,
            [(p, remap[t]) for p, t in val.samples], (train, val))


def _flat_layout(root: Path, val_fraction: float | None):
    from torch.utils.data import Subset

    fraction = DEFAULT_VAL_FRACTION if val_fraction is None else val_fraction
    if not 0 < fraction < 1:
        raise AdvisorError(f"--val-fraction must be between 0 and 1, got {fraction}")
    folder = _folder(root)
    train, val = _split(folder.targets, len(folder.classes), fraction)
    return (folder.classes, f"class folders, {fraction:.0%} of each class for validation",
            Subset(folder, train), Subset(folder, val), [folder.samples[i] for i in train],
            [folder.samples[i] for i in val], (folder,))


def _check_counts(root: Path, classes: list[str], train: list[Sample],
                  val: list[Sample]) -> None:
    if not train and not val:
        from torchvision.datasets.folder import IMG_EXTENSIONS

        raise AdvisorError(f"no images in {root}: ImageFolder reads files ending in "
                           f"{', '.join(IMG_EXTENSIONS[:4])}, ... in its class folders")
    if len(classes) < 2:
        raise AdvisorError(f"{root}: one class ('{classes[0]}'); an update needs at least 2 "
                           "class folders")
    seen = {label for _, label in train}
    empty = [name for i, name in enumerate(classes) if i not in seen]
    if empty:
        raise AdvisorError(f"class '{empty[0]}' has no training images in {root} "
                           f"({len(empty)} such class{'es' if len(empty) > 1 else ''})")
    if not val:
        raise AdvisorError(f"no validation images in {root}: add some to val/, or raise "
                           "--val-fraction")


def _scan(root: Path, splits: dict[str, list[Sample]], classes: list[str]) -> str:
    """Decode every image once; refuse if any fails. The fingerprint of the data."""
    digest, bad = hashlib.sha256(), []
    total = sum(len(s) for s in splits.values())
    with progress.progress_bar(total, f"checking {total} images") as advance:
        for split, samples in splits.items():
            for path, label in samples:
                try:
                    data, image = read_image(path, draft=256)
                    image.close()
                except Exception as exc:  # PIL raises many kinds: each means unreadable
                    bad.append((path, unreadable_reason(exc)))
                    continue
                finally:
                    advance(1)
                rel = Path(path).relative_to(root).as_posix()
                digest.update(f"{split}\t{classes[label]}\t{rel}\t"
                              f"{hashlib.sha256(data).hexdigest()}\n".encode())
    if bad:
        path, reason = bad[0]
        raise AdvisorError(f"{len(bad)} of {total} images cannot be read, e.g. {path} "
                           f"({reason}): fix or remove them")
    return digest.hexdigest()


def _root(root: str | Path) -> Path:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise AdvisorError(f"--images {root}: not a folder")
    return root


def find_images(root: str | Path, val_fraction: float | None = None) -> Images:
    """The images of ``root`` in either layout, every one decoded once; one line if any
    is missing, unreadable or in a class the update would not learn."""
    root = _root(root)
    split = (root / "train").is_dir() or (root / "val").is_dir()
    if split and not ((root / "train").is_dir() and (root / "val").is_dir()):
        raise AdvisorError(f"{root} has only one of train/ and val/: give both, or put the "
                           "class folders in it directly")
    classes, layout, train, val, train_samples, val_samples, folders = (
        _split_layout if split else _flat_layout)(root, val_fraction)
    _check_counts(root, classes, train_samples, val_samples)
    fingerprint = _scan(root, {"train": train_samples, "val": val_samples}, classes)
    return Images(root, tuple(classes), layout, train, val, tuple(train_samples),
                  tuple(val_samples), folders, fingerprint)


def images_to_evaluate(root: str | Path, val_fraction: float | None = None) -> Images:
    """``root``/val/ if there is one, else the validation part ``val_fraction`` leaves (as an
    update split it), else every image of ``root``/<class>/; checked as for an update."""
    root = _root(root)
    if (root / "val").is_dir():
        if val_fraction is not None:
            raise AdvisorError(f"--val-fraction: {root} is split already (train/ and val/)")
        folder = _folder(root / "val")
        classes, layout, val, samples, folders = (folder.classes, "val/", folder,
                                                  folder.samples, (folder,))
    elif val_fraction is not None:
        classes, layout, _, val, _, samples, folders = _flat_layout(root, val_fraction)
    else:
        folder = _folder(root)
        classes, layout, val, samples, folders = (folder.classes, "every image", folder,
                                                  folder.samples, (folder,))
    if not samples:
        raise AdvisorError(f"no images to evaluate in {root}")
    fingerprint = _scan(root, {"val": samples}, classes)
    return Images(root, tuple(classes), layout, [], val, (), tuple(samples), folders,
                  fingerprint)
