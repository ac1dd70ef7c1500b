"""The image-folder reader: what it returns, what it refuses, and that one read serves a search."""

import os

import pytest
import torch
from PIL import Image

from advisor.errors import AdvisorError
from advisor.training.images import read_image_folder, scan_image_folder


def _folder(root, per_class=2, classes=("cat", "dog")):
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (10, 14), (100 * c, 10 * i, 0)).save(root / name / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image, not an image extension: ignored")
    return root


def test_reads_every_image_at_the_resolution_with_its_class(tmp_path):
    images, labels, classes = read_image_folder(str(_folder(tmp_path)), 8)
    assert classes == ("cat", "dog")
    assert images.dtype == torch.uint8 and images.shape == (4, 3, 8, 8)
    assert labels.tolist() == [0, 0, 1, 1]
    assert scan_image_folder(str(tmp_path)).counts() == [2, 2]


def test_one_read_while_the_files_stay_and_a_new_read_when_one_changes(tmp_path):
    root = str(_folder(tmp_path))
    first = read_image_folder(root, 8)[0]
    assert read_image_folder(root, 8)[0] is first  # the search's trials share the read
    Image.new("RGB", (10, 14), (255, 255, 255)).save(tmp_path / "dog" / "0.png")
    os.utime(tmp_path / "dog" / "0.png", ns=(1, 1))  # a changed file, whatever the clock
    again = read_image_folder(root, 8)[0]
    assert again is not first and not torch.equal(again, first)


def test_every_unreadable_image_is_counted_and_the_first_named(tmp_path):
    root = _folder(tmp_path, 3)
    (root / "cat" / "a.jpg").write_bytes(b"\xff\xd8 not really")
    (root / "dog" / "b.png").write_bytes(b"")
    with pytest.raises(AdvisorError, match=r"2 of 8 image files cannot be read \(first: "
                                           r"cat/a.jpg: not an image PIL can read\)"):
        read_image_folder(str(root), 8)
