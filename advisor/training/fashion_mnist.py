"""Fashion-MNIST, offline: Debian's ``dataset-fashion-mnist`` package read by torchvision.

Debian ships the four original IDX files, gzipped, under /usr/share/datasets/fashion-mnist.
torchvision's ``FashionMNIST`` reads the unpacked files from ``ROOT/FashionMNIST/raw``; they
are unpacked once into advisor's cache with torchvision's own ``extract_archive`` (no IDX
parser of ours). ``fashion-mnist:DIR`` reads the same four files (gzipped or not) from DIR.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import torch

from advisor.errors import AdvisorError
from advisor.paths import cache_dir

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def _found(folder: Path, name: str) -> Path | None:
    return next((p for p in (folder / name, folder / f"{name}.gz") if p.is_file()), None)


def _raw_root(folder: Path) -> Path:
    """A root torchvision accepts (ROOT/FashionMNIST/raw/<the four files>), made in the cache
    once per source folder and state of its files (a replaced file is unpacked anew); each
    file appears whole or not at all (unpacked, then renamed)."""
    sources = [_found(folder, name) for name in FILES]
    state = [str(folder.resolve())] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                                       for p in sources if p is not None]
    key = hashlib.sha256("\n".join(state).encode()).hexdigest()[:16]
    root = cache_dir() / "fashion-mnist" / key
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (raw / name).is_file():
            continue
        source = _found(folder, name)
        assert source is not None  # checked by load()
        with tempfile.TemporaryDirectory(dir=raw) as scratch:
            if source.suffix == ".gz":
                from torchvision.datasets.utils import extract_archive

                extract_archive(str(source), scratch)
            else:
                shutil.copyfile(source, Path(scratch) / name)
            os.replace(Path(scratch) / name, raw / name)
    return root


def load(folder: str | None) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """All 70,000 images (uint8, N x 28 x 28), their labels and the class names."""
    from torchvision.datasets import FashionMNIST

    where = Path(folder or DEBIAN_DIR).expanduser()
    missing = [name for name in FILES if _found(where, name) is None]
    if missing:
        how = ("install Debian's package: apt-get install dataset-fashion-mnist"
               if folder is None else "give the folder that holds the four IDX files")
        raise AdvisorError(f"Fashion-MNIST not found in {where} (missing {missing[0]}[.gz]): "
                           f"{how}")
    try:
        root = _raw_root(where)
        parts = [FashionMNIST(root, train=train, download=False) for train in (True, False)]
    except (RuntimeError, OSError, ValueError, AssertionError) as exc:  # torchvision asserts
        raise AdvisorError(f"Fashion-MNIST in {where} could not be read: "
                           f"{exc or 'not IDX files'}") from None
    images = torch.cat([p.data for p in parts])
    labels = torch.cat([p.targets for p in parts]).long()
    return images, labels, tuple(parts[0].classes)
