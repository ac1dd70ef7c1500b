"""One configuration's training step as an ExecuTorch program.

The exported module returns its loss; ``_export_forward_backward`` adds the backward graph, so
the program's outputs are the loss, then the gradients of every trainable tensor, then those
tensors. Trainable tensors go to a separate ``.ptd`` file (``external_mutable_weights``): the
weights a device updates in place and writes back, apart from the frozen graph.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from advisor.methods.executorch_training import program_modes

if TYPE_CHECKING:
    from executorch.exir import ExecutorchProgramManager

PREFIX = "net."  # the program names a tensor "net." + its name in the model


class _WithLoss(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor]:
        return (F.cross_entropy(self.net(x), y),)


def _widen_index_dtypes(graph: torch.fx.Graph) -> None:
    """torch's decomposition of ``eye`` (peft's DoRA builds one for Linear layers) makes its
    index ``arange`` uint16, which ExecuTorch's verifier rejects and its portable kernels do
    not implement. The indices are only compared with each other, so int64 gives the same
    result; the program's gradients are checked against eager PyTorch (program/check.py)."""
    for node in graph.nodes:
        if node.target == torch.ops.aten.arange.start_step and node.kwargs.get("dtype") in (
                torch.uint16, torch.uint32, torch.uint64):
            node.kwargs = {**node.kwargs, "dtype": torch.int64}


def planned_arena(manager: ExecutorchProgramManager) -> int:
    """Bytes of the forward-backward method's planned buffers (entry 0 is reserved)."""
    for plan in manager.executorch_program.execution_plan:
        if plan.name == "forward":
            return int(sum(plan.non_const_buffer_sizes[1:]))
    raise RuntimeError("the program has no forward method")


def training_program(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> ExecutorchProgramManager:
    """The program of one training pass of ``net`` (its trainable tensors are those with
    ``requires_grad``) on inputs shaped as ``x`` and ``y``."""
    from executorch.exir import ExecutorchBackendConfig, to_edge
    from torch.export import export
    from torch.export.experimental import _export_forward_backward

    program_modes(net)
    exported = _export_forward_backward(export(_WithLoss(net), (x, y), strict=False))
    _widen_index_dtypes(exported.graph)
    edge = to_edge(exported)
    return edge.to_executorch(ExecutorchBackendConfig(external_mutable_weights=True,
                                                     remove_view_copy=False))


def export_pass(net: nn.Module, shape: list[int], what: str) -> ExecutorchProgramManager:
    """``training_program`` for one pass of images shaped ``shape``; an export ExecuTorch
    cannot take (an operator, a pattern) is one line naming ``what`` and the reason."""
    from advisor.errors import AdvisorError

    try:
        return training_program(net, torch.zeros(shape), torch.zeros(shape[0], dtype=torch.long))
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        raise AdvisorError(f"ExecuTorch could not export {what}: {type(exc).__name__}: "
                           f"{first}") from exc


def one_pass(batch_size: int, micro_batch: int | None, resolution: int) -> list[int]:
    """The images of one forward-backward pass: a program's shapes are fixed at export."""
    return [micro_batch or batch_size, 3, resolution, resolution]


def trainable_bytes(net: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in net.parameters() if p.requires_grad)


def write_trainable(manager: ExecutorchProgramManager, path: Path) -> None:
    """The program's trainable tensors, as the ``.ptd`` file its loader takes beside it."""
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        manager.write_tensor_data_to_file(folder)
        written = list(Path(folder).glob("*.ptd"))
        if len(written) != 1:
            raise RuntimeError(f"ExecuTorch wrote {len(written)} data files, not one")
        shutil.move(written[0], path)
