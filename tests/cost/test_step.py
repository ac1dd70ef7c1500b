"""Cost of a training step: fake equals real, memory peak equals an independent tracker."""

import pytest
import safetensors.torch
import torch
from torch import nn

from advisor.config import Config
from advisor.cost import profile_config
from advisor.cost.memory import MemoryTracker
from advisor.cost.step import measure_step
from advisor.cost.storage import safetensors_bytes, update_state
from advisor.methods import get_method
from advisor.zoo import build_model, resolve_model

CASES = [("full", None, "all"), ("head", None, "all"), ("norm_head", None, "all"),
         ("bias", None, "all"), ("lora", 4, "no-depthwise"),
         pytest.param("dora", 2, "pointwise", marks=pytest.mark.slow),
         ("galore", 4, "all")]


@pytest.mark.parametrize(("method", "rank", "targets"), CASES)
def test_fake_and_real_agree_exactly(method, rank, targets):
    kwargs = dict(batch_size=2, resolution=32, num_classes=3)
    config = Config(method=method, rank=rank, targets=targets)
    fake = profile_config("mobilenet_v3_small", config, fake=True, **kwargs)
    real = profile_config("mobilenet_v3_small", config, fake=False, **kwargs)
    assert fake.flops == real.flops
    assert fake.memory == real.memory
    assert fake.params == real.params and fake.storage_bytes == real.storage_bytes
    assert fake.uncounted_ops == [] and fake.mode == "fake"
    m = fake.memory
    assert m.peak_bytes == m.params + m.buffers + m.grads + m.optimizer + m.activations + m.temp
    assert m.peak_bytes <= m.sum_of_category_maxima


def test_peak_equals_torch_memtracker_total():
    """Independent reference: torch's (private) MemTracker, where it works (no frozen params)."""
    from torch.distributed._tools.mem_tracker import MemTracker

    spec = resolve_model("resnet18")
    torch.manual_seed(0)
    prep = get_method("full").prepare(build_model(spec, 5), spec.head, Config(method="full"))
    _, _, ours = measure_step(prep, 2, 1, 32, 5)
    reference = MemTracker()
    reference.track_external(prep.model, prep.optimizer)
    with reference:
        prep.optimizer.zero_grad(set_to_none=True)
        x, y = torch.randn(2, 3, 32, 32), torch.randint(0, 5, (2,))
        loss = nn.functional.cross_entropy(prep.model(x), y)
        loss.backward()
        del loss
        prep.optimizer.step()
    assert ours.peak_bytes == reference.get_tracker_snapshot("peak")[torch.device("cpu")]["Total"]


def test_tracker_reports_simultaneous_peak_not_sum_of_maxima():
    tracker = MemoryTracker()
    with tracker:
        a = torch.ones(1000)  # 4000 B temp
        tracker.track(a, "activations")
        b = a * 2  # 8000 B live
        del a  # activations back to 0
        c = b * 2  # temp peak 8000 B
        del b, c
    assert tracker.peak_bytes == 8000
    assert tracker.sum_of_category_maxima() == 4000 + 8000


def test_costs_move_the_right_way():
    kw = dict(model="mobilenet_v3_small", batch_size=4, resolution=64)
    full = profile_config(config=Config(method="full"), **kw)
    head = profile_config(config=Config(method="head"), **kw)
    lora = profile_config(config=Config(method="lora", rank=4), **kw)
    galore = profile_config(config=Config(method="galore", rank=4, targets="all"), **kw)
    assert head.flops.backward < 0.01 * full.flops.backward  # no backward through the backbone
    assert head.memory.activations == 0 and head.memory.grads == 0
    assert lora.params.total > full.params.total  # adapters add parameters
    assert lora.flops.forward > full.flops.forward  # ...and forward work
    assert lora.memory.optimizer < full.memory.optimizer / 5
    assert galore.memory.optimizer < full.memory.optimizer / 2  # low-rank Adam states
    assert galore.flops.svd_per_refresh > 0 and galore.flops.optimizer > full.flops.optimizer
    assert lora.storage_bytes < full.storage_bytes / 5


@pytest.mark.parametrize(("method", "rank"), [("lora", 4), ("norm_head", None), ("full", None)])
def test_storage_bytes_match_safetensors_exactly(method, rank):
    spec = resolve_model("mobilenet_v3_small")
    prep = get_method(method).prepare(build_model(spec, 5), spec.head,
                                      Config(method=method, rank=rank))
    state = update_state(prep.model, prep.trains_norm_statistics)
    real = safetensors.torch.save({k: v.detach().contiguous() for k, v in state.items()})
    assert safetensors_bytes(state) == len(real)
    assert any("running_mean" in k for k in state) == prep.trains_norm_statistics
