import numpy as np
import pytest
import torch
from PIL import Image

from advisor.errors import AdvisorError
from advisor.training.corruptions import CORRUPTIONS, corrupt
from advisor.training.tasks import load_task


def test_unseen_target_classes_are_disjoint_from_source(unseen_task):
    t = unseen_task
    assert t.new_head and t.source.num_classes == 5 and t.target.num_classes == 5
    assert set(t.source.class_names).isdisjoint(t.target.class_names)
    assert t.source.train.images.dtype == torch.uint8
    assert t.source.train.images.shape[1:] == (3, 32, 32)
    assert len(t.target.train) > 300 and len(t.target.test) > 500


def test_shift_keeps_classes_and_corrupts_held_out_images(shift_task, unseen_task):
    t = shift_task
    assert not t.new_head and t.target.class_names == t.source.class_names
    # One source split serves both scenarios, so one pretrained checkpoint does too.
    assert t.source_fingerprint == unseen_task.source_fingerprint
    assert len(t.target.train) > 100


def test_tasks_are_deterministic(shift_task):
    again = load_task("shift")
    assert torch.equal(again.target.test.images, shift_task.target.test.images)


@pytest.mark.parametrize("name", [*CORRUPTIONS, "mixed"])
def test_every_corruption_changes_images_and_grows_with_severity(name):
    x = torch.rand(8, 3, 32, 32) * 0.6 + 0.2
    mild = (corrupt(x, name, 1) - x).abs().mean()
    strong = (corrupt(x, name, 5) - x).abs().mean()
    assert 0 < mild <= strong
    with pytest.raises(AdvisorError):
        corrupt(x, name, 6)


def test_bad_task_inputs_are_user_errors(tmp_path):
    with pytest.raises(AdvisorError, match="unknown task"):
        load_task("rotate")
    with pytest.raises(AdvisorError, match="unknown dataset"):
        load_task("unseen", dataset="mnist")
    with pytest.raises(AdvisorError, match="CIFAR-10 not found"):
        load_task("unseen", dataset=f"cifar10:{tmp_path}")
    with pytest.raises(AdvisorError, match="unknown corruption"):
        load_task("shift", corruption="fog")


def test_imagefolder_dataset(tmp_path):
    rng = np.random.default_rng(0)
    for c in range(4):
        (tmp_path / f"class{c}").mkdir()
        for i in range(10):
            pixels = (rng.random((20, 24, 3)) * 60 + c * 60).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / f"class{c}" / f"{i}.png")
    task = load_task("unseen", dataset=f"imagefolder:{tmp_path}", resolution=16)
    assert task.source.class_names == ("class0", "class1")
    assert task.target.class_names == ("class2", "class3")
    assert task.target.train.images.shape[1:] == (3, 16, 16)
    assert len(task.target.train) + len(task.target.test) == 20
