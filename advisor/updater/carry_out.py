"""The update itself, once every check has passed: train (measuring the process's own peak
memory), then write the outputs and the manifest."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

from advisor.allocator import release_free_memory
from advisor.errors import AdvisorError
from advisor.updater import checkpoint
from advisor.updater.evaluation import Evaluation, measure
from advisor.updater.manifest import Manifest, MemoryReport, StorageReport, command, versions
from advisor.updater.memory import PeakRss, mib
from advisor.updater.outputs import ADAPTER_METHODS, deployable, write_model, write_update_state
from advisor.updater.prepared import PreparedUpdate, prepare
from advisor.updater.runner import run_epochs
from advisor.updater.setup import Setup
from advisor.updater.weights import starting_model


def warn(text: str) -> None:
    sys.stderr.write(f"advisor: warning: {text}\n")


def _recalibrate(update: PreparedUpdate, s: Setup) -> None:
    """As a trial does: re-estimate the norm statistics a method trains over the training
    images (MobileNetV3's momentum of 0.01 leaves them near their start after a short run),
    in batches no larger than the step's, so the memory stays within its peak."""
    from torch.optim.swa_utils import update_bn

    from advisor.updater.stream import batches

    c = s.plan.config
    size = c.micro_batch or c.batch_size
    loader = (x_y for batch in batches(s.images.train, size, None, single=False)
              for x_y in batch.parts())
    update_bn(loader, update.module)


def _train(s: Setup, update: PreparedUpdate, resume: bool, peak: Callable[[], int | None],
           on_epoch: Callable[[int], None] | None) -> int:
    from advisor.training.trial import DivergedError, check_finite

    start, steps = 0, 0
    saved = s.out.path / "checkpoint.pt"
    if resume and saved.is_file():
        start, steps = checkpoint.load(saved, update)

    def end_of_epoch(done: int, steps: int) -> None:
        s.out.write("checkpoint.pt", lambda tmp: checkpoint.save(tmp, update, done, steps))
        s.out.save(epochs_done=done, peak_rss_bytes=peak())
        if on_epoch is not None:
            on_epoch(done)

    steps = run_epochs(update, s.images, s.plan.config, start, steps, end_of_epoch)
    try:
        check_finite(update.module, steps)
    except DivergedError as exc:
        raise AdvisorError(f"{exc}; choose a lower --lr") from None
    if update.prepared.trains_norm_statistics:
        _recalibrate(update, s)
    return steps


def _import_libraries(method: str) -> None:
    """What this update imports on its way (torchvision's transforms; peft for an adapter,
    GaLore for GaLore), imported before the memory baseline: the runtime model was fitted on
    what training adds to a process whose libraries are loaded
    (benchmarks/memory_vs_reality.py). Only what the method needs: library code is resident
    memory the device pays for too (peft and what it pulls in are over 100 MiB,
    benchmarks/process_baseline.py)."""
    import torch.optim.swa_utils  # noqa: F401
    import torchvision.transforms.v2  # noqa: F401

    if method in ADAPTER_METHODS:
        import peft  # noqa: F401
    if method == "galore":
        import advisor.methods.galore_conv  # noqa: F401


def carry_out(s: Setup, resume: bool, on_epoch: Callable[[int], None] | None, started: float,
              allocator: bool) -> Manifest:
    c = s.plan.config
    s.out.start(s.identity, s.previous, resume)
    s.images.set_resolution(c.resolution)
    weights = s.weights.ready(c.resolution)  # pretrained (if builtin) before the baseline
    _import_libraries(c.method)
    gc.collect()
    release_free_memory()
    earlier = s.out.ledger.get("peak_rss_bytes") if resume else None  # before a resume
    rss = PeakRss()
    rss.start()  # as the runtime model was fitted: everything imported, no model built yet

    def peak() -> int | None:
        above = rss.above_baseline()
        return None if above is None else max(above, earlier or 0)

    net = starting_model(weights, c.resolution, len(s.images.classes), s.plan.task == "unseen",
                         c.seed)
    before = measure(net, s.images.val, s.images.classes, c.micro_batch or c.batch_size)
    update = prepare(net, c.as_config(), architecture=s.spec.name)
    del net
    train_started = time.perf_counter()
    steps = _train(s, update, resume, peak, on_epoch)
    train_seconds = time.perf_counter() - train_started
    measured = peak()
    s.out.save(peak_rss_bytes=measured)
    return _outputs(s, update, before, steps, train_seconds, (rss.baseline, measured), started,
                    allocator)


def _memory(s: Setup, rss: tuple[int | None, int | None], allocator: bool) -> MemoryReport:
    baseline, peak = rss
    p = s.prediction
    within = None if peak is None else peak <= p.ram_needed_bytes
    if within is False:
        why = "" if allocator else (" (glibc's allocator was not set as the runtime model was "
                                    "fitted: --fast-allocator, or not glibc)")
        warn(f"the update's peak RSS was {mib(peak)}, over the {mib(p.ram_needed_bytes)} of "
             f"RAM needed that advisor predicted{why} (manifest.json has both)")
    return MemoryReport(measured_peak_rss_bytes=peak, process_baseline_bytes=baseline,
                        ram_needed_bytes=p.ram_needed_bytes,
                        ram_needed_rule=p.ram_needed_rule, tensor_peak_bytes=p.peak_bytes,
                        within_prediction=within, allocator_set=allocator,
                        device=s.plan.device.id if s.plan.device else None,
                        device_ram_needed_bytes=p.device_ram_needed_bytes)


def _outputs(s: Setup, update: PreparedUpdate, before: Evaluation, steps: int,
             train_seconds: float, rss: tuple[int | None, int | None], started: float,
             allocator: bool) -> Manifest:
    c, classes = s.plan.config, s.images.classes
    size = write_update_state(s.out, update)
    base = starting_model(s.weights, c.resolution, len(classes), s.plan.task == "unseen", c.seed)
    final = deployable(s.out, update, base)
    write_model(s.out, final, s.spec.name, classes, c.resolution)
    after = measure(final, s.images.val, classes, c.micro_batch or c.batch_size)
    warnings = []
    if size != s.prediction.storage_bytes:
        warnings.append(f"update.safetensors has {size} bytes; the cost model predicted "
                        f"{s.prediction.storage_bytes}")
        warn(warnings[-1])
    memory = _memory(s, rss, allocator)
    if memory.within_prediction is False:
        warnings.append("peak RSS over the predicted RAM needed")
    files = sorted(f for f in s.out.ledger["files"] if f != "checkpoint.pt")
    manifest = Manifest(
        model=s.spec.name, task=s.plan.task, configuration=s.plan.run_fields(),
        label=c.label, chosen_by=s.plan.source, classes=list(classes),
        weights={"source": s.weights.source, "sha256": s.weights.fingerprint},
        data={"root": str(s.images.root), "layout": s.images.layout,
              "counts": s.images.counts(), "fingerprint": s.images.fingerprint},
        accuracy_before=before, accuracy_after=after, memory=memory,
        storage=StorageReport(update_bytes=size, predicted_bytes=s.prediction.storage_bytes),
        epochs=c.epochs, steps=steps, train_seconds=train_seconds,
        wall_seconds=time.perf_counter() - started, files=[*files, "manifest.json"],
        peft=(f"PeftModel.from_pretrained(base, '{s.out.path / 'adapter'}') loads the adapters "
              f"and the trained head (modules_to_save) onto the starting model built with "
              f"{len(classes)} classes" if c.method in ADAPTER_METHODS else None),
        versions=versions(), warnings=warnings,
        command=command(s.spec.name, s.weights.source, str(s.images.root), str(s.out.path),
                        s.plan.task, s.plan.run_fields(), s.val_fraction))
    s.out.write("manifest.json",
                lambda tmp: tmp.write_text(manifest.model_dump_json(indent=2) + "\n"))
    s.out.remove("checkpoint.pt")
    s.out.save(finished=True)
    return manifest
