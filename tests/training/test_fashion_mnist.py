"""Fashion-MNIST from Debian's package, read by torchvision: the sizes the protocol states,
both scenarios, one clear line when the files are absent. CI installs the package (.ci/run)
and sets ADVISOR_REQUIRE_SYSTEM_PACKAGES, so there these tests cannot be skipped."""

import os
import shutil
from pathlib import Path

import pytest

from advisor.errors import AdvisorError
from advisor.training import fashion_mnist
from advisor.training.tasks import load_task


@pytest.fixture(scope="module")
def debian_files():
    if not Path(fashion_mnist.DEBIAN_DIR, f"{fashion_mnist.FILES[0]}.gz").is_file():
        if os.environ.get("ADVISOR_REQUIRE_SYSTEM_PACKAGES"):
            pytest.fail("dataset-fashion-mnist is required here but not installed")
        pytest.skip("apt-get install dataset-fashion-mnist")
    return fashion_mnist.DEBIAN_DIR


def test_both_scenarios_have_field_sized_training_sets_and_large_test_sets(debian_files):
    unseen = load_task("unseen", "fashion-mnist")
    assert unseen.target.class_names == ("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    assert (len(unseen.target.train), len(unseen.target.test)) == (5 * 480, 5 * 720)
    assert unseen.target.train.images.shape[1:] == (3, 32, 32)
    shift = load_task("shift", "fashion-mnist")
    assert shift.target.class_names == unseen.source.class_names  # the pretrained classes
    assert (len(shift.target.train), len(shift.target.test)) == (5 * 180, 5 * 180)
    assert shift.source_fingerprint == unseen.source_fingerprint  # one pretraining serves both


def test_a_folder_of_plain_idx_files_reads_the_same(debian_files, tmp_path):
    from torchvision.datasets.utils import extract_archive

    for name in fashion_mnist.FILES:
        extract_archive(f"{debian_files}/{name}.gz", str(tmp_path))
    here = load_task("unseen", f"fashion-mnist:{tmp_path}")
    assert bool((here.target.test.images == load_task("unseen", "fashion-mnist")
                 .target.test.images).all())


def test_missing_files_are_one_line_that_says_how_to_get_them(tmp_path):
    with pytest.raises(AdvisorError, match="missing train-images-idx3-ubyte"):
        load_task("unseen", f"fashion-mnist:{tmp_path}")
    (tmp_path / "sub").mkdir()
    for name in fashion_mnist.FILES:
        (tmp_path / "sub" / name).write_bytes(b"not an IDX file")
    with pytest.raises(AdvisorError, match="could not be read"):
        load_task("unseen", f"fashion-mnist:{tmp_path / 'sub'}")
    shutil.rmtree(tmp_path / "sub")
