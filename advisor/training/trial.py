"""One short, real fine-tune of a pretrained CNN on a task's target split.

Seeds are fixed, the target test split is evaluated before and after the update, and the result
is a pydantic model that studies store as it is.
"""

from __future__ import annotations

import copy
import time

import torch
from pydantic import BaseModel, Field

from advisor.config import Config, TrialConfig
from advisor.cost.result import Flops, Memory
from advisor.cost.step import (
    counted_step,
    micro_batches,
    profiled_step,
    summarize,
    training_step,
)
from advisor.cost.storage import safetensors_bytes, update_state
from advisor.errors import IncompatibleConfigError
from advisor.methods import Prepared, get_method
from advisor.methods.acceptance import refusal
from advisor.methods.executorch_training import (
    OPTIMIZER,
    program_modes,
    program_optimizer,
)
from advisor.methods.executorch_training import refusal as program_refusal
from advisor.training.loop import accuracy, recalibrate_batchnorm, train_epochs
from advisor.training.pretrain import source_model
from advisor.training.tasks import load_task
from advisor.zoo import replace_head, resolve_model, skeleton


class MeasuredCost(BaseModel):
    """Cost of this trial's own real steps (host scale), measured while it trained."""

    batch_size: int
    resolution: int
    flops: Flops
    memory: Memory
    storage_bytes: int


class TrialResult(BaseModel):
    config: TrialConfig
    accuracy_before: float = Field(ge=0, le=1, description="Target test accuracy, no update.")
    accuracy_after: float = Field(ge=0, le=1, description="Target test accuracy after update.")
    source_accuracy: float = Field(ge=0, le=1, description="Pretrained model on source test.")
    params_total: int
    params_trainable: int
    steps: int
    train_seconds: float = Field(description="The fine-tune itself (host CPU).")
    wall_seconds: float = Field(description="Whole trial, pretraining cache load included.")
    cost: MeasuredCost | None = Field(None, description="Measured on steps 1-2 of this trial.")
    # The order of floating-point sums follows torch's thread count, and a short fine-tune can
    # amplify it: full fine-tuning at 32 px moved 14.8 points on one seed between 1 and 2
    # threads (docs/transfer.md). None: a result stored before the count was kept.
    threads: int | None = Field(None, description="torch's intra-op threads while it trained.")


def check_config(model: str, config: Config) -> None:
    """Refuse what the method cannot do on this model (or, for a trial with the program's
    optimizer, what an ExecuTorch program cannot run) before loading data or pretraining."""
    spec = resolve_model(model)
    reason = (program_refusal(config) if getattr(config, "optimizer", None) == OPTIMIZER
              else None) or refusal(skeleton(spec), spec, config)
    if reason is not None:
        raise IncompatibleConfigError(reason)


class DivergedError(RuntimeError):
    """Training produced NaN or inf: a trial fault (the configuration's), not a user error."""


def check_finite(model: torch.nn.Module, steps: int) -> None:
    """A NaN or inf loss leaves non-finite weights behind; checked once after training rather
    than per step, so the profiled steps run exactly the ops the cost model counts."""
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise DivergedError(f"training diverged: {name} is not finite after {steps} "
                                "steps (NaN or inf loss; learning rate too high?)")


def _measured_cost(prepared: Prepared, measured: dict, resolution: int) -> MeasuredCost | None:
    """What the profiled steps 1-2 recorded, with the size of the update they trained (None
    if the trial was not profiled or ran fewer than two steps)."""
    if "cost" not in measured:
        return None
    flops, memory = measured["cost"]
    state = update_state(prepared.model, prepared.trains_norm_statistics)
    return MeasuredCost(batch_size=measured["batch_size"], resolution=resolution, flops=flops,
                        memory=memory, storage_bytes=safetensors_bytes(state))


def run_trial(config: TrialConfig, profile: bool = True) -> TrialResult:
    """``profile``: measure the cost of the trial's own steps 1-2 (about 1-5% slower)."""
    started = time.perf_counter()
    check_config(config.model, config)
    spec = resolve_model(config.model)
    method = get_method(config.method)
    task = load_task(config.task, config.dataset, config.resolution, config.corruption,
                     config.severity)
    source = source_model(spec, task, config.weights)

    torch.manual_seed(config.seed)
    model = copy.deepcopy(source.model)
    if task.new_head:
        replace_head(model, spec, task.target.num_classes)
    accuracy_before = accuracy(model, task.target.test)

    prepared = method.prepare(model, spec.head, config, spec.blocks)
    prepared.set_train_mode()
    as_program = config.optimizer == OPTIMIZER
    if as_program:  # as an ExecuTorch program trains: its optimizer and modes
        prepared.optimizer = program_optimizer(prepared.optimizer)
        program_modes(prepared.model)
    measured: dict = {}

    def step(index: int, x: torch.Tensor, y: torch.Tensor) -> None:
        # Step 1 creates the optimizer state (and GaLore's SVD): FLOPs only. Step 2 is the
        # steady state: FLOPs and the true memory peak. The rest run unobserved.
        batches = micro_batches(x, y, config.micro_batch)
        if profile and index == 1:
            measured["warm"] = counted_step(prepared, batches, len(x))
        elif profile and index == 2:
            counter, tracker = profiled_step(prepared, batches, len(x))
            # Summarise now: the tracker's weakref callbacks must not outlive this step.
            measured["cost"] = summarize(prepared, measured.pop("warm"), counter, tracker)
            measured["batch_size"] = len(x)
        else:
            training_step(prepared, batches, len(x))

    train_started = time.perf_counter()
    steps = train_epochs(prepared.model, prepared.optimizer, task.target.train, config.epochs,
                         config.batch_size, torch.Generator().manual_seed(config.seed),
                         step_fn=step)
    check_finite(prepared.model, steps)
    if prepared.trains_norm_statistics and not as_program:
        recalibrate_batchnorm(prepared.model, task.target.train)
    train_seconds = time.perf_counter() - train_started
    accuracy_after = accuracy(prepared.model, task.target.test)

    params = list(prepared.model.parameters())
    return TrialResult(
        cost=_measured_cost(prepared, measured, config.resolution),
        config=config,
        accuracy_before=accuracy_before,
        accuracy_after=accuracy_after,
        source_accuracy=source.source_accuracy,
        params_total=sum(p.numel() for p in params),
        params_trainable=sum(p.numel() for p in params if p.requires_grad),
        steps=steps,
        train_seconds=train_seconds,
        wall_seconds=time.perf_counter() - started,
        threads=torch.get_num_threads(),
    )
