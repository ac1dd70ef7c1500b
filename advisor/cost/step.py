"""Cost of one full training step (forward, backward, optimizer) of a configuration.

Run on fake tensors (FakeTensorMode) the model, data and optimizer state have shapes but no
memory and no compute: a MobileNetV3 at 224 px, batch 64, is costed in seconds. Run on real
tensors the same code measures a real step; both agree exactly (tests/test_cost_step.py).
Nothing here knows a method: a method says which optimizer state it keeps and which of its
work recurs only every few steps (methods/base.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode

from advisor import defaults
from advisor.config import Config
from advisor.cost.flops import FlopCounter
from advisor.cost.memory import MemoryTracker
from advisor.cost.result import Flops, Memory, Params, StepCost
from advisor.cost.storage import safetensors_bytes, update_state
from advisor.methods import Prepared, get_method
from advisor.zoo import build_model, resolve_model


def training_step(prepared: Prepared, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                  samples: int, counter: FlopCounter | None = None,
                  tracker: MemoryTracker | None = None) -> None:
    """zero_grad; forward and backward of each micro-batch in ``batches`` (one, or several
    that together hold ``samples``), gradients accumulated, so the step equals one over the
    whole batch; one optimizer step. Phases are reported to ``counter``."""
    optimizer = prepared.optimizer
    optimizer.zero_grad(set_to_none=True)

    def pack(t: torch.Tensor) -> torch.Tensor:
        if tracker is not None:
            tracker.reclassify(t, "activations")
        return t

    def phase(name: str) -> None:
        if counter is not None:
            counter.phase = name

    for x, y in batches:
        phase("forward")
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            # A sum over the micro-batch divided by the step's samples: the same ops for one
            # pass or many, so every extra pass adds exactly the same work (scaling.py).
            loss = nn.functional.cross_entropy(prepared.model(x), y, reduction="sum") / samples
        phase("backward")
        loss.backward()
        del loss, x, y
    phase("optimizer")
    optimizer.step()


def micro_batches(x: torch.Tensor, y: torch.Tensor,
                  micro_batch: int | None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A loaded batch as its micro-batches (views, no copies)."""
    if micro_batch is None or micro_batch >= len(x):
        return [(x, y)]
    return list(zip(x.split(micro_batch), y.split(micro_batch), strict=True))


def counted_step(prepared: Prepared, batches, samples: int) -> FlopCounter:
    counter = FlopCounter()
    with counter:
        training_step(prepared, batches, samples, counter)
    return counter


def profiled_step(prepared: Prepared, batches,
                  samples: int) -> tuple[FlopCounter, MemoryTracker]:
    """One step with FLOPs counted and every live storage tracked (params, buffers, existing
    grads and optimizer state are registered first, so the peak includes them; data made
    inside the step, or views of ``batches``' tensors registered here, count as temp)."""
    tracker, counter = MemoryTracker(), FlopCounter()
    params = list(prepared.model.parameters())
    hooks = [p.register_post_accumulate_grad_hook(lambda p: tracker.track(p.grad, "grads"))
             for p in params if p.requires_grad]
    try:
        with tracker:
            tracker.track_all(params, "params")
            tracker.track_all(prepared.model.buffers(), "buffers")
            tracker.track_all((p.grad for p in params if p.grad is not None), "grads")
            tracker.track_all(prepared.optimizer_state(), "optimizer")
            if isinstance(batches, list):  # loaded already: they count from the start
                tracker.track_all((t for pair in batches for t in pair), "temp")
            with counter:
                training_step(prepared, batches, samples, counter, tracker)
    finally:
        for h in hooks:
            h.remove()
    return counter, tracker


def summarize(prepared: Prepared, warm: FlopCounter, counter: FlopCounter,
              tracker: MemoryTracker) -> tuple[Flops, Memory]:
    """Per-step FLOPs and the peak. Work the first step does that recurs only every
    ``refresh_interval`` steps (an SVD) is amortised over that interval."""
    svd = warm.svd_flops
    interval = prepared.method.refresh_interval or 1
    optimizer_flops = counter.flops["optimizer"] - counter.svd_flops + svd // interval
    flops = Flops(forward=counter.flops["forward"], backward=counter.flops["backward"],
                  optimizer=optimizer_flops, svd_per_refresh=svd,
                  total=counter.flops["forward"] + counter.flops["backward"] + optimizer_flops)
    memory = Memory(peak_bytes=tracker.peak_bytes, **tracker.peak_breakdown,
                    sum_of_category_maxima=tracker.sum_of_category_maxima(),
                    workspace_peak_bytes=max(tracker.peak_bytes, tracker.workspace_peak))
    return flops, memory


def measure_step(prepared: Prepared, micro_batch: int, parts: int, resolution: int,
                 num_classes: int) -> tuple[FlopCounter, FlopCounter, MemoryTracker]:
    """A warm-up step (creates optimizer state), then a measured steady-state step, each of
    ``parts`` micro-batches of ``micro_batch`` samples loaded one after the other (a device
    that accumulates gradients never holds the whole batch).

    The steady state is the worst case: at every moment of the first step the optimizer state
    did not exist yet, at the same moment of later steps it does.
    """
    prepared.set_train_mode()

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.randn(micro_batch, 3, resolution, resolution),
                torch.randint(0, num_classes, (micro_batch,)))

    def batches():  # one batch is loaded before the step; micro-batches one at a time
        return [batch()] if parts == 1 else (batch() for _ in range(parts))

    warm = counted_step(prepared, batches(), micro_batch * parts)
    counter, tracker = profiled_step(prepared, batches(), micro_batch * parts)
    return warm, counter, tracker


def profile_config(model: str, config: Config, batch_size: int = defaults.COST_BATCH_SIZE,
                   resolution: int = defaults.COST_RESOLUTION,
                   num_classes: int = defaults.NUM_CLASSES, fake: bool = True,
                   seed: int = defaults.SEED) -> StepCost:
    """FLOPs, peak memory with breakdown, parameters and storage of one training step of
    ``batch_size`` samples (in micro-batches of ``config.micro_batch``, if set)."""
    micro = config.micro_batch or batch_size
    if batch_size % micro:
        from advisor.errors import IncompatibleConfigError

        raise IncompatibleConfigError(f"--micro-batch {micro} does not divide --batch-size "
                                      f"{batch_size}")
    return _profile(model, config, micro, batch_size // micro, resolution, num_classes, fake,
                    seed)[0]


def profile_batch_scaled(model: str, config: Config,
                         resolution: int = defaults.COST_RESOLUTION,
                         num_classes: int = defaults.NUM_CLASSES, passes: int = 1):
    """Exact cost at every (micro-)batch size from two fake profiles of steps of ``passes``
    micro-batches each (see cost/scaling.py)."""
    from advisor.cost.scaling import PROFILED_BATCHES, BatchScaledCost

    a, line_a = _profile(model, config, PROFILED_BATCHES[0], passes, resolution, num_classes)
    b, line_b = _profile(model, config, PROFILED_BATCHES[1], passes, resolution, num_classes)
    return BatchScaledCost.from_profiles(a, b, line_a, line_b)


@contextmanager
def prepared_for_step(model: str, config: Config, num_classes: int, fake: bool = True,
                      seed: int = defaults.SEED) -> Iterator[tuple[Prepared, str]]:
    """The configured model and optimizer, on fake tensors unless ``fake`` is False.

    Fake mode: build and insert adapters on the meta device (no memory; peft skips its device
    moves there), then materialise as fake CPU tensors; steps must run inside this context.
    Yields (prepared, canonical model name).
    """
    spec = resolve_model(model)
    method = get_method(config.method)
    torch.manual_seed(seed)
    with torch.device("meta") if fake else nullcontext():
        net = method.select(build_model(spec, num_classes), spec.head, config, spec.blocks)
    # allow_non_fake_inputs: to_empty reads the meta parameters (shapes only) once.
    with FakeTensorMode(allow_non_fake_inputs=True) if fake else nullcontext():
        if fake:
            net = net.to_empty(device="cpu")
        yield method.attach_optimizer(net, spec.head, config), spec.name


def _profile(model: str, config: Config, micro_batch: int, parts: int, resolution: int,
             num_classes: int, fake: bool = True,
             seed: int = defaults.SEED) -> tuple[StepCost, tuple[list[tuple], list[tuple]]]:
    started = time.perf_counter()
    with prepared_for_step(model, config, num_classes, fake, seed) as (prepared, name):
        warm, counter, tracker = measure_step(prepared, micro_batch, parts, resolution,
                                              num_classes)
        state = update_state(prepared.model, prepared.trains_norm_statistics)
        all_params = list(prepared.model.parameters())
        flops, memory = summarize(prepared, warm, counter, tracker)
    cost_config = config.cost_config().model_copy(
        update={"micro_batch": micro_batch if parts > 1 else None})
    return StepCost(
        model=name, config=cost_config, batch_size=micro_batch * parts, resolution=resolution,
        num_classes=num_classes, flops=flops, memory=memory,
        params=Params(total=sum(p.numel() for p in all_params),
                      trainable=sum(p.numel() for p in all_params if p.requires_grad)),
        storage_bytes=safetensors_bytes(state), mode="fake" if fake else "real",
        seconds=time.perf_counter() - started,
        uncounted_ops=sorted(set(warm.unknown_ops) | set(counter.unknown_ops))), \
        (tracker.timeline, tracker.workspace_timeline)


def inference_peak(model: str, resolution: int, num_classes: int = defaults.NUM_CLASSES) -> int:
    """Peak bytes of the tensors a forward pass of one sample creates (weights excluded): no
    update of this model at this resolution can keep less in RAM, whatever its depth,
    micro-batch or checkpointing, since it must at least run that forward pass."""
    spec = resolve_model(model)
    with torch.device("meta"):
        net = build_model(spec, num_classes).eval()
    with FakeTensorMode(allow_non_fake_inputs=True):
        net = net.to_empty(device="cpu")
        tracker = MemoryTracker()
        with tracker, torch.no_grad():
            tracker.track_all(net.parameters(), "params")  # so views of them are not new
            tracker.track_all(net.buffers(), "buffers")
            net(torch.randn(1, 3, resolution, resolution))
    return tracker.category_max["temp"]
