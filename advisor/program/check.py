"""``advisor program --check``: the program's steps through ExecuTorch's bindings against the
same steps in eager PyTorch (same starting model, data, SGD, learning rate), so a user can see
that what runs on the device is the update advisor measured, and that it learns.

The data is a seeded draw of the built-in digits at the program's resolution (labels folded
into its classes): deterministic, offline, and the same for both sides.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field

from advisor import defaults
from advisor.errors import AdvisorError
from advisor.program.export import PREFIX
from advisor.program.manifest import MANIFEST, PROGRAM, TRAINABLE, ProgramManifest
from advisor.program.support import check_lr

LOSS_TOLERANCE, GRADIENT_TOLERANCE, LEARNS = 1e-3, 1e-4, 0.10


class CheckReport(BaseModel):
    steps: int
    lr: float = Field(description="SGD's rate on both sides (momentum: the manifest's).")
    losses_program: list[float]
    losses_pytorch: list[float]
    max_loss_difference: float
    max_first_gradient_difference: float = Field(
        description="Largest absolute difference of any trainable tensor's first-step "
                    "gradient.")
    loss_drop: float = Field(description="1 - last loss / first loss, the program's.")
    agrees: bool = Field(description=f"loss within {LOSS_TOLERANCE:g} and first gradients "
                                     f"within {GRADIENT_TOLERANCE:g}")
    learns: bool = Field(description=f"the loss fell by at least {LEARNS:.0%}")


def _manifest(out: Path) -> ProgramManifest:
    from pydantic import ValidationError

    path = out / MANIFEST
    if not path.is_file() or not (out / PROGRAM).is_file() or not (out / TRAINABLE).is_file():
        raise AdvisorError(f"--check {out}: not a folder advisor program wrote ({MANIFEST}, "
                           f"{PROGRAM} and {TRAINABLE} are needed)")
    try:
        return ProgramManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise AdvisorError(f"--check {out}: {MANIFEST} is not advisor's ({first})") from None


def _batch(manifest: ProgramManifest) -> tuple[torch.Tensor, torch.Tensor]:
    from advisor.training.tasks import load_task

    data = load_task("unseen", "digits", manifest.input_shape[-1]).target.train
    n = manifest.batch_size
    if len(data) < n:
        raise AdvisorError(f"--check: the built-in digits have {len(data)} images, fewer "
                           f"than a batch of {n}")
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(manifest.seed))
    return data.floats(order[:n]), data.labels[order[:n]] % manifest.classes


def _start(manifest: ProgramManifest):
    from advisor.program.job import Start
    from advisor.updater.plan import checked_config
    from advisor.updater.weights import starting_weights
    from advisor.zoo import resolve_model

    spec = resolve_model(manifest.model)
    weights = starting_weights(spec, manifest.weights["source"])
    if weights.fingerprint != manifest.weights["fingerprint"]:
        raise AdvisorError(f"--check: {manifest.weights['source']} changed since the program "
                           "was written; the eager side cannot start where it did")
    fields = {**manifest.configuration, "batch_size": manifest.batch_size,
              "resolution": manifest.input_shape[-1], "seed": manifest.seed}
    trial = checked_config(spec, {k: v for k, v in fields.items() if k != "lr"}, "--check")
    return Start(spec, trial, weights, manifest.classes, manifest.new_head)


def check_program(out: str | Path, steps: int = 10, lr: float | None = None) -> CheckReport:
    """``steps`` optimizer steps of OUT/'s program and of eager PyTorch, side by side, at
    ``lr`` (default: advisor's program rate, not the manifest's: what is checked is that the
    program computes what PyTorch does, and ten steps on one batch at a rate chosen for a
    whole run can overshoot and hide that)."""
    from advisor.program.bindings import ProgramRunner

    if steps < 1:
        raise AdvisorError(f"--steps {steps}: at least one step")
    check_lr(lr)
    out = Path(out).expanduser()
    manifest = _manifest(out)
    x, y = _batch(manifest)
    net = _start(manifest).model()
    lr = lr if lr is not None else defaults.PROGRAM_LR
    runner = ProgramRunner(out / PROGRAM, out / TRAINABLE, lr)
    trainable = {n: p for n, p in net.named_parameters() if p.requires_grad}
    optimizer = torch.optim.SGD(trainable.values(), lr=lr, momentum=manifest.optimizer["momentum"])
    size = manifest.input_shape[0]
    batches = [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]
    ours: list[float] = []
    eager: list[float] = []
    first_gradient = 0.0
    for step in range(steps):
        ours.append(runner.step(batches))
        optimizer.zero_grad()
        total = 0.0
        for xs, ys in batches:
            loss = F.cross_entropy(net(xs), ys) / len(batches)
            loss.backward()
            total += float(loss.detach())
        eager.append(total)
        if step == 0:
            first_gradient = max(float((runner.gradients[PREFIX + n] - p.grad).abs().max())
                                 for n, p in trainable.items())
        optimizer.step()
    difference = max(abs(a - b) for a, b in zip(ours, eager, strict=True))
    drop = 1 - ours[-1] / ours[0] if ours[0] > 0 else 0.0
    return CheckReport(steps=steps, lr=lr, losses_program=ours, losses_pytorch=eager,
                       max_loss_difference=difference,
                       max_first_gradient_difference=first_gradient, loss_drop=drop,
                       agrees=difference < LOSS_TOLERANCE and first_gradient < GRADIENT_TOLERANCE,
                       learns=drop >= LEARNS)
