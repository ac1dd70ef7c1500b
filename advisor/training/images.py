"""A user's image folder (``imagefolder:PATH``: one sub-folder of images per class), checked.

A file that is not a readable image is refused, not skipped: the study's evidence and an
update must rest on exactly the images the user named, and a class silently thinned by
skipped files would shift the splits. The refusal counts every such file and names the first,
so one pass finds them all. ``scan_image_folder`` checks structure and headers (cheap: before
a study is opened); ``read_image_folder`` decodes, which also finds truncated files.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from advisor.errors import AdvisorError
from advisor.userfiles import check_file

if TYPE_CHECKING:
    import PIL.Image

Signature = tuple[tuple[str, int, int, int], ...]  # (path, class, size, mtime) per image


@dataclass(frozen=True)
class ScannedFolder:
    root: str
    classes: tuple[str, ...]
    signature: Signature  # sorted as torchvision's ImageFolder sorts its samples

    def counts(self) -> list[int]:
        per_class = [0] * len(self.classes)
        for _, label, _, _ in self.signature:
            per_class[label] += 1
        return per_class


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


def resize(images: torch.Tensor, resolution: int) -> torch.Tensor:
    if images.shape[-1] == resolution and images.shape[-2] == resolution:
        return images
    return F.interpolate(images, size=(resolution, resolution), mode="bilinear",
                         align_corners=False, antialias=images.shape[-1] > resolution)


def unreadable_reason(exc: Exception) -> str:
    """Why an image file cannot be read, in a few words (PIL raises many kinds of error)."""
    from PIL import UnidentifiedImageError

    if isinstance(exc, AdvisorError):
        return "not a regular file"
    if isinstance(exc, UnidentifiedImageError):
        return "not an image PIL can read"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}".rstrip(": ")


def _refuse_bad(root: str, bad: list[tuple[str, Exception]], total: int) -> None:
    if bad:
        first, exc = bad[0]
        raise AdvisorError(
            f"{root}: {len(bad)} of {total} image files cannot be read (first: "
            f"{Path(first).relative_to(root)}: {unreadable_reason(exc)}); remove or replace them")


def scan_image_folder(root: str) -> ScannedFolder:
    """The class folders and image files of ``root``, each a regular file with an image
    header PIL knows; one line if not (at least 2 classes, torchvision's walk and extensions)."""
    from PIL import Image
    from torchvision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

    try:
        classes, class_to_idx = find_classes(root)
        samples = make_dataset(root, class_to_idx, IMG_EXTENSIONS)
    except (FileNotFoundError, RuntimeError) as exc:
        raise AdvisorError(f"{root}: not an ImageFolder tree (class/xxx.png): {exc}") from None
    if len(classes) < 2:
        raise AdvisorError(f"{root}: needs at least 2 class folders, found {len(classes)}")
    signature, bad = [], []
    for path, label in samples:
        try:
            info = check_file(path, "image")
            with Image.open(path):  # the header only: cheap, and finds what is not an image
                pass
        except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError... per format
            bad.append((path, exc))
            continue
        signature.append((path, label, info.st_size, info.st_mtime_ns))
    _refuse_bad(root, bad, len(samples))
    return ScannedFolder(root, tuple(classes), tuple(signature))


def read_image_folder(root: str, resolution: int) -> tuple[torch.Tensor, torch.Tensor,
                                                           tuple[str, ...]]:
    """Every image of ``root`` as uint8 (N, 3, resolution, resolution), the labels and the
    class names. Read once per process while the files stay as they are (a search's trials
    and the checks before it share one read)."""
    scan = scan_image_folder(root)
    images, labels = _decode(scan.root, scan.signature, resolution)
    return images, labels, scan.classes


def read_image(path: str, draft: int | None = None) -> tuple[bytes, PIL.Image.Image]:
    """The file's bytes and its image, decoded: every byte read, so a truncated file fails
    here where a header check passes it. ``draft``: a JPEG decoded at about that size (enough
    to check it, cheaper)."""
    from PIL import Image

    check_file(path, "image")
    data = Path(path).read_bytes()
    image = Image.open(io.BytesIO(data))
    if draft is not None:
        image.draft("RGB", (draft, draft))
    image.load()
    return data, image


@functools.lru_cache(maxsize=2)
def _decode(root: str, signature: Signature, resolution: int) -> tuple[torch.Tensor,
                                                                       torch.Tensor]:
    from torchvision.transforms.v2.functional import pil_to_tensor

    images, bad = [], []
    for path, _, _, _ in signature:
        try:
            rgb = read_image(path)[1].convert("RGB")  # as torchvision's default loader
        except Exception as exc:  # a truncated file passes the header check
            bad.append((path, exc))
            continue
        img = pil_to_tensor(rgb).float().unsqueeze(0) / 255
        images.append(to_uint8(resize(img, resolution)))
    _refuse_bad(root, bad, len(signature))
    labels = torch.tensor([label for _, label, _, _ in signature], dtype=torch.long)
    return torch.cat(images), labels
