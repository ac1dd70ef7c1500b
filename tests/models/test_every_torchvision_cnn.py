"""Every torchvision classifier: a CNN gets blocks, a head and an exact fake-mode profile of
LoRA r4 at depth half; anything else is refused in one line with its reason."""

import pytest

from advisor.config import Config
from advisor.cost import profile_config
from advisor.errors import AdvisorError
from advisor.models.torchvision_cnns import builders
from advisor.zoo import resolve_model


@pytest.mark.slow  # ~2.5 minutes on 2 cores: 68 fake-mode profiles
def test_every_torchvision_classifier_is_profiled_or_refused_in_one_line():
    supported, refused = [], {}
    for name in builders():
        try:
            spec = resolve_model(name)
        except AdvisorError as exc:
            refused[name] = str(exc)
            continue
        assert spec.block_count >= 1 and spec.head
        depth = spec.depth("all" if spec.whole_only else "half")
        config = Config(method="lora", rank=4, targets="no-depthwise", depth=depth)
        cost = profile_config(name, config, 2, max(32, spec.min_resolution), 10)
        assert cost.mode == "fake" and cost.memory.peak_bytes > 0
        assert 0 < cost.params.trainable < cost.params.total
        supported.append(name)
    assert len(supported) >= 45
    assert all("\n" not in reason and "not a CNN" in reason for reason in refused.values())
    assert set(refused) == {n for n in builders() if n.startswith(("vit_", "swin_", "maxvit"))}
