"""The memory levers of on-device training: update depth, checkpointing, micro-batching.

Each is exact (fake tensors equal a real step), matches closed forms, and changes the
arithmetic only where it should."""

import copy

import pytest
import torch
from torch import nn

from advisor.config import Config, TrialConfig
from advisor.cost import profile_batch_scaled, profile_config
from advisor.cost.scaling import accumulated
from advisor.cost.step import measure_step, micro_batches, training_step
from advisor.errors import IncompatibleConfigError
from advisor.methods import get_method
from advisor.methods.inference_bn import InferenceBatchNorm2d
from advisor.zoo import build_model, resolve_model

MODEL = "mobilenet_v3_small"
SLOW = pytest.mark.slow  # the two slowest real steps
LEVERS = [dict(method="full", depth=4), dict(method="full", checkpointing=True),
          dict(method="lora", rank=4, depth=3, checkpointing=True),
          pytest.param(dict(method="full", micro_batch=2), marks=SLOW),
          dict(method="bias", micro_batch=3, depth=5),
          pytest.param(dict(method="galore", rank=2, micro_batch=2), marks=SLOW),
          dict(method="norm_head", depth=0)]


@pytest.mark.parametrize("fields", LEVERS, ids=lambda f: Config(**f).label)
def test_fake_and_real_agree_exactly(fields):
    config = Config(**fields)
    fake = profile_config(MODEL, config, 6, 32, 3, fake=True)
    real = profile_config(MODEL, config, 6, 32, 3, fake=False)
    assert fake.flops == real.flops and fake.memory == real.memory
    assert fake.params == real.params and fake.storage_bytes == real.storage_bytes
    assert fake.uncounted_ops == []


@pytest.mark.parametrize(("batch", "micro"), [(12, 4), (16, 4), (9, 3), (6, 2)])
def test_micro_batched_cost_from_two_scaled_profiles_is_exact(batch, micro):
    config = Config(method="full", micro_batch=micro)
    one = profile_batch_scaled(MODEL, config, 32, 5, passes=1)
    two = profile_batch_scaled(MODEL, config, 32, 5, passes=2)
    derived, direct = accumulated(one, two, batch, micro), profile_config(MODEL, config,
                                                                          batch, 32, 5)
    assert derived.flops == direct.flops
    assert derived.memory.model_dump(exclude={"sum_of_category_maxima"}) == \
        direct.memory.model_dump(exclude={"sum_of_category_maxima"})
    assert derived.batch_size == batch and derived.config.micro_batch == micro


def test_the_levers_cut_memory_at_device_scale():
    """mobilenet_v3_small, full fine-tuning, batch 32 at 224 px (the issue's figures)."""
    peak = {label: profile_config(MODEL, Config(**f), 32, 224).memory.peak_bytes / 2**20
            for label, f in (("all", {}), ("8", {"depth": 8}), ("4", {"depth": 4}),
                             ("2", {"depth": 2}), ("ckpt", {"checkpointing": True}),
                             ("micro", {"micro_batch": 8}))
            for f in [{"method": "full", **f}]}
    assert round(peak["all"]) == 520 and round(peak["8"]) == 266 and round(peak["4"]) == 131
    assert round(peak["2"]) == 93
    assert peak["ckpt"] < 0.5 * peak["all"] and peak["micro"] < 0.5 * peak["all"]


def test_inference_batchnorm_equals_an_eval_batchnorm():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(8, eps=1e-3)
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.normal_()
    bn.bias.data.normal_()
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(InferenceBatchNorm2d(bn)(x), bn.eval()(x))
    assert list(InferenceBatchNorm2d(bn).parameters()) == []


def test_the_prefix_is_frozen_and_adapters_go_only_where_the_update_reaches():
    spec = resolve_model(MODEL)
    prepared = get_method("lora").prepare(build_model(spec, 5), spec.head,
                                           Config(method="lora", rank=4, depth=3), spec.blocks)
    model = prepared.model
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("features.10.", "features.11.", "features.12.",
                                           "classifier.")) for n in trainable)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.features[:10].modules())
    assert any("lora_" in n for n in trainable)
    assert not any("lora_" in n for n, _ in model.features[:10].named_parameters())


def _tiny(single_module_blocks: bool):
    """Three conv+ReLU blocks, a pool and a linear head: shapes for closed forms."""
    torch.manual_seed(0)
    convs = [nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1),
             nn.Conv2d(8, 6, 3, padding=1)]
    if single_module_blocks:
        layers = [nn.Sequential(c, nn.ReLU()) for c in convs]
        blocks = [("0",), ("1",), ("2",)]
    else:
        layers = [m for c in convs for m in (c, nn.ReLU())]
        blocks = [("0", "1"), ("2", "3"), ("4", "5")]
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 4))
    return model, blocks, str(len(model) - 1), convs


def _step_flops(model, blocks, head, config, batch=2, px=8):
    prepared = get_method(config.method).prepare(copy.deepcopy(model), head, config, blocks)
    _, counter, _ = measure_step(prepared, batch, 1, px, 4)
    return counter.flops


def test_depth_flops_match_a_closed_form():
    """One more block reached adds its conv's weight and bias gradient, its ReLU's backward,
    and the input gradient of the conv after it; the forward pass does not change."""
    model, blocks, head, convs = _tiny(single_module_blocks=False)
    n, px = 2, 8
    macs = [n * c.out_channels * px * px * c.in_channels * 9 for c in convs]
    out = [n * c.out_channels * px * px for c in convs]
    flops = {d: _step_flops(model, blocks, head, Config(method="full", depth=d)) for d in (1, 2)}
    assert flops[1]["forward"] == flops[2]["forward"]
    assert flops[2]["backward"] - flops[1]["backward"] == (2 * macs[1] + out[1] + out[1]
                                                           + 2 * macs[2])


def test_checkpointing_flops_match_a_closed_form():
    """Checkpointing repeats each updated block's forward once in backward, nothing else."""
    model, blocks, head, convs = _tiny(single_module_blocks=True)
    n, px = 2, 8
    forward = [2 * n * c.out_channels * px * px * c.in_channels * 9
               + 2 * n * c.out_channels * px * px for c in convs]  # conv + bias, ReLU
    plain = _step_flops(model, blocks, head, Config(method="full", depth=2))
    ckpt = _step_flops(model, blocks, head, Config(method="full", depth=2, checkpointing=True))
    assert ckpt["forward"] == plain["forward"]
    assert ckpt["backward"] - plain["backward"] == forward[1] + forward[2]


def _one_step(method, micro_batch, checkpointing=False):
    spec = resolve_model(MODEL)
    torch.manual_seed(0)
    model = build_model(spec, 3)
    config = Config(method=method, rank=4 if method == "lora" else None,
                    checkpointing=checkpointing)
    prepared = get_method(method).prepare(model, spec.head, config, spec.blocks)
    prepared.set_train_mode()
    for m in prepared.model.modules():  # dropout draws its masks in another order per pass
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    torch.manual_seed(1)
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 3, (8,))
    training_step(prepared, micro_batches(x, y, micro_batch), len(x))
    return {n: p.detach().clone() for n, p in prepared.model.named_parameters()
            if p.requires_grad}


@pytest.mark.parametrize("method", ["lora", "bias"])
def test_micro_batching_keeps_the_arithmetic_where_norm_statistics_are_frozen(method):
    whole, micro = _one_step(method, None), _one_step(method, 2)
    assert all(torch.allclose(whole[n], micro[n], atol=1e-5, rtol=1e-4) for n in whole)


def test_micro_batching_changes_the_arithmetic_where_batchnorm_trains():
    whole, micro = _one_step("full", None), _one_step("full", 2)
    assert not all(torch.allclose(whole[n], micro[n], atol=1e-5, rtol=1e-4) for n in whole)


def test_checkpointing_keeps_the_arithmetic():
    plain, ckpt = _one_step("full", None), _one_step("full", None, checkpointing=True)
    assert all(torch.allclose(plain[n], ckpt[n], atol=1e-6) for n in plain)


def test_configurations_are_canonical_and_refused_where_impossible():
    assert Config(method="head", depth=3, checkpointing=True) == Config(method="head")
    assert not Config(method="full", depth=0, checkpointing=True).checkpointing
    assert Config(method="full", depth="all").depth is None
    assert TrialConfig(method="full", depth=13).depth is None  # all of mobilenet_v3_small's
    assert TrialConfig(method="full", micro_batch=32).micro_batch is None  # the whole batch
    with pytest.raises(IncompatibleConfigError, match="13 blocks"):
        TrialConfig(method="full", depth=14)
    with pytest.raises(IncompatibleConfigError, match="does not divide"):
        TrialConfig(method="full", micro_batch=5)
    assert Config(method="lora", rank=4, depth=4, micro_batch=8).label == \
        "lora r4 (no-depthwise), last 4 blocks, micro-batch 8"
