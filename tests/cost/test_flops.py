"""Every FLOP formula against closed forms, and against torch's counter where that is exact."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from advisor.cost.flops import FlopCounter, svd_flops


def _count(fn):
    counter = FlopCounter()
    with counter:
        fn(counter)
    return counter


def _conv_case(c_in, c_out, k, stride, groups, bias, hw=16, n=2, weight_grad=True,
               input_grad=True):
    conv = nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, groups=groups, bias=bias)
    conv.weight.requires_grad_(weight_grad)
    if bias:
        conv.bias.requires_grad_(weight_grad)
    x = torch.randn(n, c_in, hw, hw, requires_grad=input_grad)
    out_hw = (hw + 2 * (k // 2) - k) // stride + 1
    macs = n * c_out * out_hw * out_hw * (c_in // groups) * k * k
    out_numel = n * c_out * out_hw * out_hw

    def run(counter):
        counter.phase = "forward"
        y = conv(x)
        counter.phase = "backward"
        y.backward(torch.ones_like(y))

    return run, macs, out_numel


@pytest.mark.parametrize(("c_in", "c_out", "k", "stride", "groups", "bias"), [
    (8, 16, 3, 1, 1, False),   # standard 3x3
    (8, 16, 1, 1, 1, True),    # pointwise with bias
    (16, 16, 3, 2, 16, False),  # depthwise, strided
    (16, 32, 3, 1, 4, False),  # grouped
])
def test_conv_forward_and_backward_match_closed_form(c_in, c_out, k, stride, groups, bias):
    run, macs, out_numel = _conv_case(c_in, c_out, k, stride, groups, bias)
    c = _count(run)
    bias_fwd = out_numel if bias else 0
    assert c.flops["forward"] == 2 * macs + bias_fwd
    # input grad + weight grad (+ bias grad); ones_like counted as 0
    assert c.flops["backward"] == 2 * macs + 2 * macs + bias_fwd


def test_frozen_weight_costs_no_weight_gradient():
    run, macs, _ = _conv_case(8, 16, 3, 1, 1, False, weight_grad=False)
    assert _count(run).flops["backward"] == 2 * macs  # input grad only


def test_first_layer_input_gradient_is_not_counted():
    run, macs, _ = _conv_case(8, 16, 3, 1, 1, False, input_grad=False)
    assert _count(run).flops["backward"] == 2 * macs  # weight grad only


def test_agrees_with_torch_counter_for_groups_1():
    """No elementwise op in the graph: torch's counter is exact here, so ours must equal it."""
    conv = nn.Conv2d(8, 16, 3, padding=1, bias=False)
    lin = nn.Linear(16 * 8 * 8, 10, bias=False)
    x = torch.randn(2, 8, 8, 8, requires_grad=True)
    seed = torch.ones(2, 10)

    def f():
        x.grad = conv.weight.grad = lin.weight.grad = None  # no accumulation adds
        lin(conv(x).flatten(1)).backward(seed)

    with FlopCounterMode(display=False) as reference:
        f()
    ours = FlopCounter()
    with ours:
        f()
    assert not ours.unknown_ops
    assert sum(ours.flops.values()) == reference.get_total_flops()


def test_depthwise_weight_gradient_is_not_overcounted_like_torch():
    conv = nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False)
    x = torch.randn(1, 64, 56, 56, requires_grad=True)
    analytic = 2 * 56 * 56 * 64 * 9  # per pass
    with FlopCounterMode(display=False) as reference:
        conv(x).backward(torch.ones(1, 64, 56, 56))
    x.grad = conv.weight.grad = None
    ours = FlopCounter()
    with ours:
        ours.phase = "forward"
        y = conv(x)
        ours.phase = "backward"
        y.backward(torch.ones_like(y))  # ones_like: a fill, 0 FLOPs
    assert ours.flops["forward"] + ours.flops["backward"] == 3 * analytic
    assert reference.get_total_flops() > 20 * 3 * analytic  # torch: weight grad x groups


def test_linear_backward_and_addmm():
    lin = nn.Linear(32, 8)
    x = torch.randn(4, 32, requires_grad=True)
    c = FlopCounter()
    with c:
        c.phase = "forward"
        y = lin(x)
        c.phase = "backward"
        y.backward(torch.ones_like(y))
    assert c.flops["forward"] == 2 * 4 * 32 * 8 + 4 * 8  # addmm: matmul + bias
    # grad input mm, grad weight mm, grad bias sum over batch
    assert c.flops["backward"] == 2 * 4 * 8 * 32 + 2 * 8 * 4 * 32 + 4 * 8


def test_optimizer_arithmetic_scales_with_trainable_parameters():
    def adam_flops(n):
        p = nn.Parameter(torch.randn(n))
        opt = torch.optim.AdamW([p])
        p.grad = torch.randn(n)
        opt.step()  # first step creates state
        c = FlopCounter()
        with c:
            c.phase = "optimizer"
            opt.step()
        return c.flops["optimizer"]

    small, large = adam_flops(1000), adam_flops(3000)
    # AdamW: 11 FLOPs per parameter (two moment updates, bias corrections folded into scalars,
    # sqrt, add eps, divide, update, decoupled decay) plus 1 for the step counter.
    assert small == 11 * 1000 + 1
    assert large == 11 * 3000 + 1


def test_svd_formula_and_counting():
    assert svd_flops(100, 10) == 6 * 100 * 100 + 20 * 1000
    assert svd_flops(10, 100) == svd_flops(100, 10)
    c = FlopCounter()
    with c:
        torch.linalg.svd(torch.randn(30, 20), full_matrices=False)
    assert c.svd_flops == svd_flops(30, 20)
