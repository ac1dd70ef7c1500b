"""A user's tiny image folder (3 classes, 32 px PNGs a model can tell apart by colour) and the
weights of the model they start from, written by the tests."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

MODEL = "mobilenet_v3_small_050"
CLASSES = ("cat", "dog", "owl")
QUICK = {"epochs": 1, "batch_size": 6, "resolution": 32}


def write_images(root: Path, classes=CLASSES, train: int = 6, val: int = 2,
                 split: bool = True, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for c, name in enumerate(classes):
        parts = (("train", train), ("val", val)) if split else (("", train + val),)
        for part, count in parts:
            folder = root / part / name if part else root / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                pixels = rng.random((32, 32, 3)) * 60 + np.array([c * 90, 180 - c * 90, 60])
                Image.fromarray(pixels.clip(0, 255).astype("uint8")).save(folder / f"{i}.png")
    return root


def write_weights(path: Path, classes: int = len(CLASSES), model: str = MODEL) -> Path:
    from advisor.zoo import build_model, resolve_model

    torch.manual_seed(1)
    torch.save(build_model(resolve_model(model), classes).state_dict(), path)
    return path


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> Path:
    return write_images(tmp_path_factory.mktemp("images"))


@pytest.fixture(scope="session")
def weights(tmp_path_factory) -> Path:
    return write_weights(tmp_path_factory.mktemp("weights") / "start.pt")
