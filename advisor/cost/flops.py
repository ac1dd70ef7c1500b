"""Exact FLOP counting of a training step at the aten level, real or fake tensors.

Why not torch.utils.flop_counter.FlopCounterMode: (1) for grouped/depthwise convs it counts the
weight gradient as if groups were 1, over-counting a depthwise layer's backward about `groups`x
(tests/test_cost_flops.py); (2) it ignores elementwise work, so the optimizer's own
arithmetic, BatchNorm and activations would be invisible.

Conventions (verified against closed forms in tests/test_cost_flops.py):
- a multiply-accumulate is 2 FLOPs; conv/linear/matmul are exact products of their shapes, a conv
  with groups g does (C_in/g)*kh*kw MACs per output element, forward, input-grad and weight-grad
  alike; a gradient the autograd engine does not ask for (frozen weight, input image) costs 0;
- elementwise and reduction ops cost a fixed number of FLOPs per element (table below);
- an SVD (GaLore's projection refresh) of an m x n matrix, m >= n, costs 6mn^2 + 20n^3 (thin
  R-SVD, Golub & Van Loan); it is recorded separately so callers can amortise it;
- data movement (copy, view, cat, pad, fill) costs 0.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

aten = torch.ops.aten


def _numel(shape) -> int:
    return math.prod(shape)


def conv_macs(x_shape, w_shape, out_shape, groups: int) -> int:
    """MACs of one conv pass: every output element needs (C_in/groups)*kh*kw products."""
    del x_shape, groups  # w_shape[1] already is C_in / groups
    return _numel(out_shape) * _numel(w_shape[1:])


def _conv_forward(args, out) -> int:
    x, w, bias = args[0], args[1], args[2]
    groups = args[8]
    flops = 2 * conv_macs(x.shape, w.shape, out.shape, groups)
    return flops + (_numel(out.shape) if bias is not None else 0)


def _conv_backward(args, out) -> int:
    grad_out, x, w = args[0], args[1], args[2]
    groups, output_mask = args[9], args[10]
    macs = conv_macs(x.shape, w.shape, grad_out.shape, groups)
    flops = 0
    if output_mask[0]:  # grad wrt input (a transposed conv)
        flops += 2 * macs
    # grad wrt weight: same products, correlated per group. ATen's CPU kernels also compute it
    # whenever the bias gradient is requested (see memory.py), so that work is counted too.
    if output_mask[1] or output_mask[2]:
        flops += 2 * macs
    if output_mask[2]:  # grad wrt bias: sum over N, H, W
        flops += _numel(grad_out.shape)
    return flops


def _mm(args, out) -> int:
    a, b = args[0], args[1]
    return 2 * a.shape[0] * a.shape[1] * b.shape[1]


def _addmm(args, out) -> int:
    return _mm(args[1:], out) + _numel(out.shape)


def _bmm(args, out) -> int:
    a, b = args[0], args[1]
    return 2 * a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]


def svd_flops(m: int, n: int) -> int:
    m, n = max(m, n), min(m, n)
    return 6 * m * n * n + 20 * n**3


def _svd(args, out) -> int:
    a = args[0]
    batch = _numel(a.shape[:-2])
    return batch * svd_flops(a.shape[-2], a.shape[-1])


# FLOPs per element of the op's first input (reductions) or output (elementwise).
_PER_OUTPUT = {
    1: ["add", "sub", "mul", "div", "neg", "sqrt", "rsqrt", "reciprocal", "relu", "threshold",
        "threshold_backward", "clamp", "clamp_min", "clamp_max", "maximum", "minimum", "abs",
        "sign", "pow", "square", "exp", "log", "hardtanh", "hardtanh_backward", "eq", "ne", "gt",
        "lt", "ge", "le", "where", "masked_fill", "dropout", "native_dropout", "bernoulli"],
    2: ["addcmul", "addcdiv", "lerp", "native_dropout_backward", "fill_defaults"],
    3: ["hardsigmoid", "hardsigmoid_backward", "silu"],
    4: ["hardswish", "sigmoid", "sigmoid_backward", "silu_backward", "tanh",
        "_softmax_backward_data", "_log_softmax_backward_data", "hardswish_backward"],
    5: ["_softmax", "_log_softmax", "gelu"],
    8: ["gelu_backward"],  # erf's derivative: an exp and a few products per element
}
_PER_INPUT = {
    1: ["sum", "mean", "amax", "amin", "max", "min", "norm", "linalg_vector_norm",
        "nll_loss_forward", "nll_loss_backward", "mean_dim", "var_mean", "_adaptive_avg_pool2d",
        "avg_pool2d", "max_pool2d_with_indices", "adaptive_max_pool2d"],
    2: ["_adaptive_avg_pool2d_backward", "avg_pool2d_backward", "max_pool2d_with_indices_backward",
        "var", "std"],
    # LayerNorm (ConvNeXt) as BatchNorm in training: mean, var, normalise, affine; its backward
    7: ["native_layer_norm"],
    9: ["native_layer_norm_backward"],
}
# BatchNorm per element of its input: train (mean, var, normalise, affine) and eval (affine).
_BATCH_NORM = {"native_batch_norm": (7, 2), "_native_batch_norm_legit": (7, 2),
               "_native_batch_norm_legit_no_training": (2, 2),
               "_native_batch_norm_legit_functional": (7, 2),
               "native_batch_norm_backward": (9, 9)}
_ZERO = {"copy", "copy_", "_to_copy", "clone", "view", "_unsafe_view", "reshape", "t", "transpose",
         "permute", "expand", "squeeze", "unsqueeze", "slice", "select", "cat", "stack", "split",
         "split_with_sizes", "constant_pad_nd", "zeros", "zeros_like", "ones", "ones_like",
         "empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "new_zeros",
         "new_ones", "full", "full_like", "fill", "fill_", "zero_", "detach", "alias", "randn",
         "rand", "randint", "randperm", "normal_", "uniform_", "random_", "lift_fresh",
         "as_strided", "_reshape_alias", "index_select", "gather", "scatter", "arange",
         "_local_scalar_dense", "item", "is_same_size", "set_", "resize_", "sym_size",
         "sym_numel", "sym_stride", "_has_compatible_shallow_copy_type", "diag", "diag_embed",
         "unbind", "flatten", "contiguous", "_unsafe_index", "select_backward",
         "slice_backward", "expand_copy", "new_full", "scalar_tensor", "mm_out", "linspace",
         "_record_function_enter_new", "_record_function_exit", "device", "eye"}

_FORMULAS = {
    aten.convolution.default: _conv_forward,
    aten.convolution_backward.default: _conv_backward,
    aten.mm.default: _mm,
    aten.addmm.default: _addmm,
    aten.bmm.default: _bmm,
    aten._linalg_svd.default: _svd,
}


def _tensor_numel(x) -> int:
    if isinstance(x, torch.Tensor):
        return x.numel()
    if isinstance(x, (list, tuple)):
        return sum(_tensor_numel(t) for t in x)
    return 0


def _packet_name(func) -> str:
    name = func.__name__.split(".")[0]
    return name.removeprefix("_foreach_").rstrip("_") if name.startswith("_foreach_") else \
        name.rstrip("_")


_ELEMENTWISE = {n: c for c, names in _PER_OUTPUT.items() for n in names}
_REDUCTION = {n: c for c, names in _PER_INPUT.items() for n in names}


def op_flops(func, args, kwargs, out) -> int | None:
    """FLOPs of one aten call, or None for an op this table does not know."""
    if func in _FORMULAS:
        return _FORMULAS[func](args, out)
    name = _packet_name(func)
    if name in _BATCH_NORM:
        training = name != "_native_batch_norm_legit_no_training" and (
            name == "native_batch_norm_backward" or bool(args[5]))
        per = _BATCH_NORM[name][0 if training else 1]
        return per * args[0].numel() if name != "native_batch_norm_backward" else \
            per * args[1].numel()
    if name in _ELEMENTWISE:
        return _ELEMENTWISE[name] * _tensor_numel(out if out is not None else args[0])
    if name in _REDUCTION:
        return _REDUCTION[name] * _tensor_numel(args[0])
    if name in _ZERO or func.__name__.split(".")[0] in _ZERO:
        return 0
    return None


class FlopCounter(TorchDispatchMode):
    """Counts FLOPs per phase; set ``phase`` between forward, backward and optimizer."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "forward"
        self.flops: dict[str, int] = defaultdict(int)
        self.svd_flops = 0
        self.unknown_ops: Counter[str] = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        flops = op_flops(func, args, kwargs, out)
        if flops is None:
            self.unknown_ops[str(func)] += 1
        else:
            self.flops[self.phase] += flops
            if func is aten._linalg_svd.default:
                self.svd_flops += flops
        return out


def tensors_in(value) -> list[torch.Tensor]:
    return [x for x in tree_flatten(value)[0] if isinstance(x, torch.Tensor)]
