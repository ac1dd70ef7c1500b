"""CIFAR-10-C style corruptions for the distribution-shift scenario.

Parameters per severity follow Hendrycks & Dietterich's CIFAR-10-C (the 32 px variants of
``make_cifar_c.py``), re-expressed with torchvision ops so that no download is needed.
Images are float tensors in [0, 1], shape (N, 3, H, W).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torchvision.transforms.v2.functional as TF

from advisor.errors import AdvisorError

Corruption = Callable[[torch.Tensor, int, torch.Generator], torch.Tensor]


def _gaussian_noise(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    sigma = [0.04, 0.06, 0.08, 0.09, 0.10][s - 1]
    return x + sigma * torch.randn(x.shape, generator=g)


def _shot_noise(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    rate = [500, 250, 100, 75, 50][s - 1]
    return torch.poisson(x.clamp(0, 1) * rate, generator=g) / rate


def _impulse_noise(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    amount = [0.01, 0.02, 0.03, 0.05, 0.07][s - 1]
    u = torch.rand(x.shape, generator=g)
    out = x.clone()
    out[u < amount / 2] = 0.0
    out[(u >= amount / 2) & (u < amount)] = 1.0
    return out


def _gaussian_blur(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    # CIFAR-10-C sigmas are for 32 px; scale them to the image size.
    sigma = [0.4, 0.6, 0.7, 0.8, 1.0][s - 1] * x.shape[-1] / 32
    kernel = 2 * int(3 * sigma) + 1
    return TF.gaussian_blur(x, kernel_size=[kernel, kernel], sigma=[sigma, sigma])


def _contrast(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    c = [0.75, 0.5, 0.4, 0.3, 0.15][s - 1]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * c + mean


def _brightness(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    return x + [0.05, 0.1, 0.15, 0.2, 0.3][s - 1]


def _jpeg(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    quality = [80, 65, 58, 50, 40][s - 1]
    as_uint8 = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return TF.jpeg(as_uint8, quality=quality).float() / 255


def _pixelate(x: torch.Tensor, s: int, g: torch.Generator) -> torch.Tensor:
    factor = [0.95, 0.9, 0.85, 0.75, 0.65][s - 1]
    size = x.shape[-1]
    small = max(1, int(size * factor))
    down = TF.resize(x, [small, small], interpolation=TF.InterpolationMode.BILINEAR, antialias=True)
    return TF.resize(down, [size, size], interpolation=TF.InterpolationMode.NEAREST)


CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": _gaussian_noise,
    "shot_noise": _shot_noise,
    "impulse_noise": _impulse_noise,
    "gaussian_blur": _gaussian_blur,
    "contrast": _contrast,
    "brightness": _brightness,
    "jpeg_compression": _jpeg,
    "pixelate": _pixelate,
}
MIXED = "mixed"


def corrupt(images: torch.Tensor, corruption: str, severity: int, seed: int = 0) -> torch.Tensor:
    """Corrupt a batch deterministically; ``mixed`` gives each image one corruption in turn,
    like a device whose camera, weather and compression all changed at once."""
    if not 1 <= severity <= 5:
        raise AdvisorError(f"severity must be 1..5, got {severity}")
    if corruption != MIXED and corruption not in CORRUPTIONS:
        raise AdvisorError(
            f"unknown corruption '{corruption}'; choose one of: {', '.join(CORRUPTIONS)}, {MIXED}"
        )
    g = torch.Generator().manual_seed(seed)
    if corruption != MIXED:
        return CORRUPTIONS[corruption](images, severity, g).clamp(0, 1)
    out = torch.empty_like(images)
    names = list(CORRUPTIONS)
    for i, name in enumerate(names):
        idx = torch.arange(i, len(images), len(names))
        if len(idx):
            out[idx] = CORRUPTIONS[name](images[idx], severity, g).clamp(0, 1)
    return out
