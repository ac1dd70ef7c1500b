"""``advisor program`` as a function: the configuration (a recipe or flags) checked against
what the runtime can run, the starting model prepared as ``advisor update`` prepares it, the
training program exported and written with its trainable weights and manifest."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import defaults
from advisor.config import TrialConfig
from advisor.errors import AdvisorError
from advisor.program import bindings
from advisor.program.manifest import MANIFEST, PROGRAM, TRAINABLE, ProgramManifest
from advisor.program.support import (
    FIELDS,
    MOMENTUM,
    OPTIMIZER,
    RUNTIME,
    check_lr,
    notes,
    passes,
    refusal,
)
from advisor.updater.outdir import LEDGER, OutDir
from advisor.updater.plan import checked_config
from advisor.updater.weights import Weights, starting_model, starting_weights
from advisor.zoo import ModelSpec, resolve_model

if TYPE_CHECKING:
    from torch import nn

FILES = (PROGRAM, TRAINABLE, MANIFEST, LEDGER)


@dataclass(frozen=True)
class Start:
    """What the program and its check both build the model from."""

    spec: ModelSpec
    trial: TrialConfig
    weights: Weights
    classes: int
    new_head: bool
    written: TrialConfig | None = None  # a recipe's configuration as written (its optimizer)

    def model(self) -> nn.Module:
        """The starting model prepared for the configuration (adapters seeded), in the modes
        a program runs in."""
        from advisor.methods.executorch_training import program_modes
        from advisor.updater.prepared import prepare

        t = self.trial
        net = starting_model(self.weights, t.resolution, self.classes, self.new_head, t.seed)
        return program_modes(prepare(net, t.as_config(), architecture=self.spec.name,
                                     seed=t.seed).module)


def configuration(spec: ModelSpec, recipe: str | None, given: dict[str, Any],
                  written: TrialConfig | None = None) -> TrialConfig:
    """The recipe's configuration (``written``, read from ``recipe``; ``given`` holds no flag
    but the seed then), or the flags' (defaults where they say nothing)."""
    if written is not None:
        trial = written
        if resolve_model(trial.model).name != spec.name:
            raise AdvisorError(f"recipe {recipe} was written for {trial.model}, not {spec.name}")
        fields = {k: getattr(trial, k) for k in trial.model_fields_set if k in FIELDS}
        return checked_config(spec, {**fields, **given}, f"recipe {recipe}")
    resolution = given.get("resolution", defaults.COST_RESOLUTION)
    return checked_config(spec, {**given, "resolution": resolution}, "program")


def starting_point(model: str | None, recipe: str | None, weights: str,
                   given: dict[str, Any], classes: int | None) -> Start:
    """Every check that needs no export, cheapest first; one line for the first that fails."""
    from advisor.decision.recipe import read_recipe

    if model is None and recipe is None:
        raise AdvisorError("--model: which model? (or give --recipe)")
    if classes is not None and classes < 2:
        raise AdvisorError(f"--classes {classes}: a classifier needs at least 2 classes")
    flags = sorted(set(given) - {"seed"}) if recipe is not None else []
    if flags:  # before the recipe is read: the cheaper check
        raise AdvisorError(f"--recipe gives the configuration; drop --{flags[0].replace('_', '-')}")
    written = read_recipe(recipe).trial if recipe is not None else None
    spec = resolve_model(model if model is not None else written.model)
    trial = configuration(spec, recipe, given, written)
    reason = refusal(trial.as_config())
    if reason is not None:
        raise AdvisorError(f"ExecuTorch cannot run {trial.label}: {reason}")
    start = starting_weights(spec, weights)
    outputs = classes if classes is not None else start.head_outputs
    return Start(spec, trial, start, outputs, outputs != start.head_outputs, written)


def _operators(manager) -> list[str]:
    for plan in manager.executorch_program.execution_plan:
        if plan.name == "forward":
            return sorted({f"{op.name}.{op.overload}" if op.overload else op.name
                           for op in plan.operators})
    return []


def program(model: str | None, out: str | Path, *, runtime: str = RUNTIME,
            weights: str = defaults.WEIGHTS, recipe: str | None = None,
            config: dict[str, Any] | None = None, classes: int | None = None,
            lr: float | None = None, force: bool = False) -> ProgramManifest:
    """Write OUT/program.pte (the training step), OUT/program.ptd (its trainable tensors)
    and OUT/manifest.json for ``model``'s update with the recipe's or ``config``'s
    configuration, at its batch (one micro-batch per pass) and resolution. ``classes``: the
    head's outputs (default: the weights' head, kept). Bad input is an AdvisorError, raised
    before anything is written."""
    from advisor.program.export import (
        export_pass,
        one_pass,
        planned_arena,
        trainable_bytes,
        write_trainable,
    )
    from advisor.program.memory import predict
    from advisor.updater.manifest import versions

    if runtime != RUNTIME:
        raise AdvisorError(f"--runtime {runtime}: advisor writes programs for {RUNTIME} only")
    check_lr(lr)
    given = {k: v for k, v in (config or {}).items() if k in FIELDS and v is not None}
    start = starting_point(model, recipe, weights, given, classes)
    bindings.require()
    out_dir = OutDir(out, outputs=FILES, command="program")
    previous = out_dir.check(force)
    t = start.trial
    shape = one_pass(t.batch_size, t.micro_batch, t.resolution)
    began = time.perf_counter()
    net = start.model()
    manager = export_pass(net, shape, f"{t.label} of {start.spec.name}")
    exported = time.perf_counter() - began
    out_dir.start({"model": start.spec.name}, previous, resume=False)
    out_dir.write(PROGRAM, lambda tmp: tmp.write_bytes(manager.buffer))
    out_dir.write(TRAINABLE, lambda tmp: write_trainable(manager, tmp))
    steps_of = passes(t.batch_size, t.micro_batch)
    memory = predict(planned_arena(manager), (out_dir.path / PROGRAM).stat().st_size,
                     (out_dir.path / TRAINABLE).stat().st_size, trainable_bytes(net), steps_of)
    rate, rate_from = learning_rate(lr, start.written)
    manifest = ProgramManifest(
        runtime=RUNTIME, model=start.spec.name, configuration=t.as_config().model_dump(),
        label=t.label, classes=start.classes, new_head=start.new_head,
        weights={"source": start.weights.source, "fingerprint": start.weights.fingerprint},
        seed=t.seed, batch_size=t.batch_size, input_shape=shape,
        passes_per_step=steps_of,
        optimizer={"name": OPTIMIZER, "lr": rate, "momentum": MOMENTUM, "lr_from": rate_from},
        differences=notes(t.as_config(), start.written and start.written.optimizer),
        memory=memory,
        operators=_operators(manager),
        trainable_tensors=sum(p.requires_grad for p in net.parameters()),
        export_seconds=round(exported, 1),
        files=[PROGRAM, TRAINABLE, MANIFEST], python=_python(rate), cpp=_cpp(memory.arena_bytes),
        versions=versions("executorch"))
    out_dir.write(MANIFEST, lambda tmp: tmp.write_text(
        json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"))
    return manifest


def learning_rate(lr: float | None, written: TrialConfig | None) -> tuple[float, str]:
    """The program's learning rate and where it comes from: --lr, else a recipe's
    (``written``) whose evidence trained with SGD (the rate those trials chose), else
    advisor's default."""
    if lr is not None:
        return lr, "--lr"
    if written is not None and written.optimizer == OPTIMIZER and written.lr is not None:
        return written.lr, "the recipe's, from trials that trained with SGD as the program does"
    return defaults.PROGRAM_LR, "advisor's default for programs (defaults.PROGRAM_LR)"


def _python(lr: float) -> str:
    return (
        "from executorch.extension.pybindings.portable_lib import _load_for_executorch\n"
        "from executorch.extension.training import TrainingModule, get_sgd_optimizer\n"
        f"m = TrainingModule(_load_for_executorch('{PROGRAM}', data_path='{TRAINABLE}'))\n"
        "loss = m.forward_backward('forward', (images, labels))[0]  # one pass\n"
        f"opt = get_sgd_optimizer(m.named_parameters(), {lr}, {MOMENTUM}, 0, 0, False)\n"
        "opt.step(m.named_gradients())  # after passes_per_step passes, their mean gradient\n"
        "# m.named_parameters() are the updated tensors (names: 'net.' + the model's)")


def _cpp(arena: int) -> str:
    return ("ExecuTorch's runtime with extension/training (TrainingModule, the SGD "
            "optimizer), extension/data_loader (program.pte, program.ptd) and kernels for the "
            f"operators listed (the portable CPU library has them); {arena} bytes of "
            "planned memory for the method, which the runner's memory manager provides")
