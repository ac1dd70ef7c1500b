"""The split arithmetic and the fewest images per class each task needs."""

import pytest
import torch

from advisor.errors import AdvisorError
from advisor.training.loop import batches, train_epochs
from advisor.training.protocol import SOURCE_PARTS, TARGET_PARTS, check_sizes, cuts, fewest
from advisor.training.tasks import ImageSet


def test_the_fewest_images_per_class_split_into_every_part_the_task_uses():
    # a source class alone (2 classes): 2 pretraining images, 1 test; for shift also 2 + 1
    assert fewest(SOURCE_PARTS, (0, 1), (0,), True) == 4
    assert fewest(SOURCE_PARTS, (0, 1, 2, 3), (0, 2), True) == 12
    assert fewest(SOURCE_PARTS, (0, 1, 2, 3), (0, 2), False) == 6
    assert fewest(TARGET_PARTS, (0, 1), (0,), False) == 2
    assert cuts(6, SOURCE_PARTS) == [0, 3, 4, 5, 6]


def test_a_small_class_is_refused_with_what_it_needs():
    names = ("a", "b", "c", "d")
    check_sizes([6, 6, 2, 2], names, "unseen", "mine")
    check_sizes([6, 6, 2, 2], names, "shift", "mine")
    with pytest.raises(AdvisorError, match="class 'c' has 1; each target class .* at least 2"):
        check_sizes([6, 6, 1, 1], names, "unseen", "mine")
    with pytest.raises(AdvisorError, match="class 'b' has 5; each source class .* at least 6"):
        check_sizes([6, 5, 0, 0], names, "shift", "mine")


def test_a_last_batch_of_one_is_left_out_only_where_batchnorm_trains():
    data = ImageSet(torch.zeros(5, 3, 4, 4, dtype=torch.uint8), torch.zeros(5, dtype=torch.long))
    assert [len(y) for _, y in batches(data, 2)] == [2, 2, 1]
    assert [len(y) for _, y in batches(data, 2, drop_single=True)] == [2, 2]
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 4), torch.nn.BatchNorm2d(4),
                                torch.nn.Flatten(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = train_epochs(model, optimizer, data, 1, 2, torch.Generator().manual_seed(0))
    assert steps == 2  # a third step, on one sample of a 1x1 map, would raise in BatchNorm
    model.eval()  # BatchNorm frozen: every sample is trained on
    assert train_epochs(model, optimizer, data, 1, 2, torch.Generator().manual_seed(0)) == 3
