"""Every method trains exactly what it claims to, and refuses what cannot work."""

import pytest
import torch
from pydantic import ValidationError
from torch import nn

from advisor.config import Config
from advisor.defaults import RANK
from advisor.errors import IncompatibleConfigError
from advisor.methods import METHODS, get_method, target_modules
from advisor.zoo import build_model, resolve_model

SPEC = resolve_model("mobilenet_v3_small")


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: t.detach().clone() for n, t in model.state_dict().items()}


def _train(method: str, rank: int | None = None, targets: str = "no-depthwise", steps: int = 3):
    torch.manual_seed(0)
    model = build_model(SPEC, 3)
    before = _snapshot(model)
    prepared = get_method(method).prepare(model, SPEC.head,
                                          Config(method=method, rank=rank, targets=targets))
    prepared.set_train_mode()
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 3, (8,))
    for _ in range(steps):
        prepared.optimizer.zero_grad()
        nn.functional.cross_entropy(prepared.model(x), y).backward()
        prepared.optimizer.step()
    after = _snapshot(prepared.model)
    changed = {n for n in before if n in after and not torch.equal(before[n], after[n])}
    return prepared, before, after, changed


def _is_running_stat(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("running_mean", "running_var", "num_batches_tracked")


@pytest.mark.parametrize(("method", "allowed"), [
    ("head", lambda n: n.startswith("classifier.3.")),
    ("bias", lambda n: n.endswith(".bias") or n.startswith("classifier.3.")),
    ("norm_head", lambda n: (".1." in n and not n.startswith("classifier")) or
     n.startswith("classifier.3.") or n.startswith("features.0.1.") or
     n.startswith("features.12.1.")),
])
def test_classic_methods_change_only_their_parameters(method, allowed):
    prepared, _before, _, changed = _train(method)
    trainable = set(prepared.trainable_parameters())
    assert changed, "nothing trained"
    assert {n for n in changed if not _is_running_stat(n)} <= trainable
    assert all(allowed(n) for n in trainable), sorted(n for n in trainable if not allowed(n))
    assert "classifier.3.weight" in changed
    stats_changed = any(_is_running_stat(n) for n in changed)
    assert stats_changed == (method == "norm_head")


def test_norm_head_trains_all_and_only_norm_affine_parameters():
    prepared, *_ = _train("norm_head")
    norms = {f"{m}.{p}" for m, mod in prepared.model.named_modules()
             if isinstance(mod, nn.BatchNorm2d) for p in ("weight", "bias")}
    assert set(prepared.trainable_parameters()) == norms | {"classifier.3.weight",
                                                            "classifier.3.bias"}


def test_full_trains_everything():
    prepared, _before, _, changed = _train("full")
    assert set(prepared.trainable_parameters()) == {n for n, _ in prepared.model.named_parameters()}
    assert "features.0.0.weight" in changed and "features.0.1.running_mean" in changed


@pytest.mark.parametrize("method", ["lora", "dora"])
def test_adapters_leave_every_base_weight_untouched(method):
    prepared, before, after, changed = _train(method, rank=4)
    base_changed = {n for n in changed if not n.startswith("classifier.3.")}
    assert not base_changed, base_changed  # frozen backbone, frozen BN statistics
    adapter = {n for n in after if "lora_" in n}
    trained_adapter = {n for n in adapter if n not in before}
    assert trained_adapter and set(prepared.trainable_parameters()) >= {
        n for n in trained_adapter if "lora_B" in n}
    # Adapters sit only on the targeted layers: no depthwise conv is adapted.
    depthwise = [n for n, m in build_model(SPEC, 3).named_modules()
                 if isinstance(m, nn.Conv2d) and m.groups > 1]
    assert not any(n.startswith(tuple(f"{d}.lora" for d in depthwise)) for n in adapter)
    # lora_B starts at zero and has moved: the adapter really learned.
    lora_b = [n for n in prepared.trainable_parameters() if "lora_B" in n]
    assert any(prepared.model.get_parameter(n).abs().sum() > 0 for n in lora_b)


def test_pointwise_policy_adapts_only_1x1_convs_and_linears():
    model = build_model(SPEC, 3)
    chosen = target_modules(model, SPEC.head, "pointwise")
    assert chosen and SPEC.head not in chosen
    for module in chosen.values():
        assert isinstance(module, nn.Linear) or (module.kernel_size == (1, 1)
                                                 and module.groups == 1)
    assert len(target_modules(model, SPEC.head, "all")) > len(chosen)


def test_lora_rank_not_divisible_by_groups_is_refused_before_training():
    model = build_model(SPEC, 3)
    with pytest.raises(IncompatibleConfigError, match="no-depthwise.*multiple of") as info:
        get_method("lora").prepare(model, SPEC.head, Config(method="lora", rank=8, targets="all"))
    assert "groups=16" in str(info.value)
    assert not any("lora_" in n for n, _ in model.named_parameters())  # nothing was inserted


def test_rank_rules():
    """A rank method always has a rank >= 1 (its default if none is given); a method without
    one refuses a rank: a configuration cannot be made otherwise."""
    assert Config(method="lora").rank == RANK and Config(method="head").rank is None
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Config(method="lora", rank=0)
    with pytest.raises(IncompatibleConfigError, match="has no rank"):
        Config(method="head", rank=4)


def test_galore_trains_all_weights_with_low_rank_states_on_convs():
    prepared, _, _, changed = _train("galore", rank=2, targets="all")
    assert "features.0.0.weight" in changed  # a 4-D conv weight, projected
    state = prepared.optimizer.state[prepared.model.get_parameter("features.9.block.0.0.weight")]
    # (288, 48, 1, 1) projected as a (288, 48) matrix onto rank 2: Adam moments of 288 x 2.
    assert state["exp_avg"].shape == (288, 2)


def test_conv_galore_matches_the_library_on_the_equivalent_matrix():
    """Independent reference: galore-torch's own 2-D path on the reshaped weight and gradient."""
    from galore_torch import GaLoreAdamW

    from advisor.methods.galore_conv import ConvGaLoreAdamW

    torch.manual_seed(0)
    conv = nn.Parameter(torch.randn(16, 8, 3, 3))
    matrix = nn.Parameter(conv.detach().reshape(16, -1).clone())
    group = {"rank": 4, "update_proj_gap": 2, "scale": 0.25, "proj_type": "std"}
    ours = ConvGaLoreAdamW([{"params": [conv], **group}], lr=0.01, no_deprecation_warning=True)
    ref = GaLoreAdamW([{"params": [matrix], **group}], lr=0.01, no_deprecation_warning=True)
    for _ in range(5):  # crosses a projection refresh
        grad = torch.randn(16, 8, 3, 3)
        conv.grad, matrix.grad = grad.clone(), grad.reshape(16, -1).clone()
        ours.step()
        ref.step()
    assert torch.allclose(conv.detach().reshape(16, -1), matrix.detach(), atol=1e-6)
    assert ours.state[conv]["exp_avg"].shape == (4, 72)


def test_registry_covers_the_issue_methods():
    assert set(METHODS) == {"full", "head", "norm_head", "bias", "lora", "dora", "galore"}
