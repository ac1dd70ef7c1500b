"""The English a person reads: verdicts, reasons, suggestions and provenance notes, written from
typed data (verdicts.py) when an edge shows them. Nothing in advisor decides on this text."""

from __future__ import annotations

from pydantic import ByteSize

from advisor.config import Config
from advisor.verdicts import Extrapolation, Standing, Suggestion, Violation


def human_bytes(n: float) -> str:
    """'1.5 GiB', '96.0 KiB', '512 B' (pydantic's ByteSize, binary units)."""
    return ByteSize(int(n)).human_readable(separator=" ")


def human_count(n: float, unit: str = "") -> str:
    """'1.23 GFLOP': SI prefixes for counts."""
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {prefix}{unit}"
    return f"{n:.0f} {unit}".strip()


def violation(v: Violation) -> str:
    if v.constraint == "memory":
        which = "device allows" if v.set_by == "device" else "--max-memory is"
        return f"needs {human_bytes(v.need)} RAM, {which} {human_bytes(v.limit)}"
    if v.constraint == "flash":
        return f"needs {human_bytes(v.need)} of flash, limit {human_bytes(v.limit)}"
    if v.constraint == "update_time":
        return f"takes ~{v.need:.0f} s, --max-update-time is {v.limit:.0f} s"
    return f"predicts {v.need:.1%} accuracy, --min-accuracy is {v.limit:.1%}"


def levers(config: Config, batch_size: int, ram: int, full_depth_ram: int | None) -> str | None:
    """'last 4 blocks, micro-batch 8 x 4: 118.0 MiB (all blocks, whole batch: 663.0 MiB)'."""
    used = []
    if config.depth is not None:
        used.append(f"last {config.depth} block{'s' if config.depth != 1 else ''}")
    if config.micro_batch is not None:
        used.append(f"micro-batch {config.micro_batch} x {batch_size // config.micro_batch}")
    if config.checkpointing:
        used.append("checkpointing")
    if not used:
        return None
    text = f"{', '.join(used)}: {human_bytes(ram)}"
    if full_depth_ram is not None:
        text += f" (all blocks, whole batch, nothing recomputed: {human_bytes(full_depth_ram)})"
    return text


def extrapolation(e: Extrapolation) -> str:
    return (f"accuracy extrapolated: BatchNorm statistics over {e.used} sample"
            f"{'s' if e.used != 1 else ''} per pass, measured over {e.measured}")


def reason(standing: Standing | None, violations: list[Violation], lever: str | None = None,
           extrapolated: list[Extrapolation] = ()) -> str:
    """Why an option ranks where it does (and, for one that fits, which lever made it fit and
    how its accuracy estimate was obtained)."""
    if violations:
        return "; ".join(violation(v) for v in violations)
    if standing is None:
        return ""
    notes = [f"fits with {lever}"] if lever else []
    notes += [extrapolation(e) for e in extrapolated]
    suffix = "".join(f"; {n}" for n in notes)
    if standing.kind == "chosen":
        return "the most accurate configuration that fits" + suffix
    points = 100 * standing.gap
    if standing.kind == "less_accurate":
        return f"{points:.1f} points less accurate (predicted)" + suffix
    return (f"{points:.1f} points less accurate, within the surrogate's error "
            f"(+-{100 * standing.error:.1f}): a close alternative" + suffix)


def suggestion(s: Suggestion | None) -> str | None:
    if s is None:
        return None
    if s.kind == "frozen_weights_exceed_flash":
        flash = next(v for v in s.violations if v.constraint == "flash")
        smaller = (f"choose a smaller model: {', '.join(s.models)}" if s.models else
                   "no model of the zoo fits: float32 weights are a physical bound here "
                   "(on-device training engines store int8 weights)")
        return (f"the model's frozen weights alone do not fit the flash ({violation(flash)}): "
                f"{smaller}")
    if s.kind == "smaller_scale":
        return (f"{s.config.label} fits with --batch-size {s.batch_size} --resolution "
                f"{s.resolution} (needs {human_bytes(s.required_ram_bytes)})")
    if s.kind == "forward_exceeds_ram":
        memory = next(v for v in s.violations if v.constraint == "memory")
        then = (f"; {s.config.label} fits with --batch-size {s.batch_size} --resolution "
                f"{s.resolution} (needs {human_bytes(s.required_ram_bytes)})"
                if s.batch_size is not None else ": choose a smaller model or input")
        return (f"one sample's forward pass alone needs {human_bytes(s.forward_bytes)} at this "
                f"resolution, more than the {human_bytes(memory.limit)} of RAM: no update fits "
                f"at it, whatever its depth, micro-batch or checkpointing{then}")
    if s.kind == "nothing_fits_ram":
        return (f"even {s.config.label} at batch 1 does not fit: choose a smaller model or a "
                "device with more memory")
    return (f"closest: {s.config.label}: {'; '.join(violation(v) for v in s.violations)}; "
            "relax that limit")


def notes(*, tried: int, trials: int, error: float, task: str, dataset: str,
          trial_resolution: int, epochs: int, batch_size: int, resolution: int,
          runtime: str, frozen_weights_in_flash: bool, samples: int,
          training_gflops: float, training_gflops_basis: str) -> list[str]:
    """Where each kind of figure in a recommendation comes from, and how sure it is."""
    return [
        f"accuracy: measured for the {tried} configurations the study tried, else a "
        f"random-forest surrogate over its {trials} trials ('{task}' task on {dataset}, "
        f"{trial_resolution} px, {epochs} epochs); cross-validated error +-{error:.1%}",
        f"memory, FLOPs, storage: exact, one training step on fake tensors at batch "
        f"{batch_size}, {resolution} px; RAM need = {runtime}"
        + (", frozen weights read from flash" if frozen_weights_in_flash else ""),
        f"update time: ESTIMATE, {samples} samples x {epochs} epochs at {training_gflops:g} "
        f"GFLOP/s ({training_gflops_basis})",
    ]
