"""Cost at any batch size from profiles at batch 2 and 3 equals a direct profile exactly."""

import pytest

from advisor.config import Config
from advisor.cost import profile_batch_scaled, profile_config


@pytest.mark.parametrize(("model", "method", "rank", "targets"), [
    ("mobilenet_v3_small", "full", None, "all"),
    ("mobilenet_v3_small", "head", None, "all"),
    ("mobilenet_v3_small", "lora", 4, "no-depthwise"),
    ("mobilenet_v3_small", "galore", 8, "all"),
    ("resnet18", "bias", None, "all"),
    pytest.param("mobilenet_v2", "dora", 2, "pointwise", marks=pytest.mark.slow),
])
def test_batch_scaled_cost_equals_direct_profile(model, method, rank, targets):
    config = Config(method=method, rank=rank, targets=targets)
    # Batch 1 needs more than one value per BatchNorm channel: 64 px for it, 32 px otherwise.
    for resolution, batches in ((32, (5, 16, 64)), (64, (1,))):
        scaled = profile_batch_scaled(model, config, resolution, num_classes=5)
        assert len(scaled.envelope) <= 20  # a handful of events can ever be the peak
        for batch in batches:
            direct = profile_config(model, config, batch, resolution, 5)
            derived = scaled.at(batch)
            assert derived.flops == direct.flops
            assert derived.memory.model_dump(exclude={"sum_of_category_maxima"}) == \
                direct.memory.model_dump(exclude={"sum_of_category_maxima"})
            assert derived.storage_bytes == direct.storage_bytes
            assert derived.batch_size == batch
