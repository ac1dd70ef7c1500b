"""The English a person reads: verdicts, reasons and suggestions, written from typed data
(verdicts.py) when an edge shows them (provenance.py writes the notes under an answer with these
phrases). Nothing in advisor decides on this text.

The words live here and in provenance.py: the CLI and the TUI compose these and format
nothing of their own (``compact`` forms fit the TUI's one-line columns). A configuration's long
label is ``Config.label``, whose lever words the reasons here share; its short one is
``short_label``."""

from __future__ import annotations

from pydantic import ByteSize

from advisor.config import Config
from advisor.decision.verdicts import (
    EQUIVALENT,
    PREFERENCES,
    Confirmation,
    Extrapolation,
    Standing,
    Suggestion,
    Violation,
)


def human_bytes(n: float, compact: bool = False) -> str:
    """'1.5 GiB', '638.6 MiB', '96.0 KiB', '512 B' (pydantic's ByteSize, binary units);
    ``compact``: whole MiB ('639 MiB'), for a column of 7 characters."""
    if compact and 2**20 <= n < 2**30:
        return f"{n / 2**20:.0f} MiB"
    return ByteSize(int(n)).human_readable(separator=" ")


def human_count(n: float, unit: str = "") -> str:
    """'1.23 GFLOP': SI prefixes for counts."""
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {prefix}{unit}"
    return f"{n:.0f} {unit}".strip()


def human_duration(seconds: float) -> str:
    """'57 s', '42 min', '4.6 h': a table cell of at most 6 characters."""
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 360_000 else f"{seconds / 3600:.0f} h"


# Target policies abbreviated in table cells (the tables' footnotes spell them out).
SHORT_TARGETS = {"pointwise": "pw", "no-depthwise": "no-dw"}
# A constraint in a table cell ("RAM", "flash+time").
CONSTRAINT_NAMES = {"memory": "RAM", "flash": "flash", "update_time": "time",
                    "accuracy": "accuracy"}
# What short_label and short_reason abbreviate, for a table's footnote.
SHORT_LEGEND = ("last N: the N blocks nearest the head are updated; pw: 1x1 convs only; no-dw: "
                "no depthwise convs; µb: micro-batch; ckpt: checkpointing; pts: vs the choice; "
                f"±: tie margin (90% interval, {100 * EQUIVALENT:.1f} pts at most)")


def short_label(config: Config, compact: bool = False) -> str:
    """The label in a table cell (the long one is ``Config.label``): two lines of at most 23
    characters, what is trained on the first, how far back and how on the second (the memory
    levers abbreviated), so that no row wraps over more than two lines at 80 columns.
    ``compact``: the first line alone, without parentheses, for a one-line column whose row
    says the levers elsewhere (the TUI's reason line)."""
    if config.rank is None:
        head = config.method
    else:
        targets = SHORT_TARGETS.get(config.targets, config.targets)
        head = f"{config.method} r{config.rank} " + (targets if compact else f"({targets})")
    levers = ([f"last {config.depth}"] if config.depth is not None else []) + \
        ([f"µb {config.micro_batch}"] if config.micro_batch is not None else []) + \
        (["ckpt"] if config.checkpointing else [])
    return "\n".join([head] + ([", ".join(levers)] if levers and not compact else []))


def constraint_names(violations: list[Violation]) -> str:
    """The constraints broken, in a table cell: 'RAM', 'flash+time'."""
    return "+".join(CONSTRAINT_NAMES[v.constraint] for v in violations)


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
    used = config.lever_words(batch_size)
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
    there = f" at {standing.resolution} px (measured there)" if standing.resolution else ""
    if standing.kind == "chosen":
        if not standing.ties:
            return f"the most accurate configuration that fits{there}" + suffix
        return (f"the least {COST_WORDS[standing.prefer]} of the {standing.ties + 1} "
                f"configurations that fit and are tied with the most accurate{there}" + suffix)
    points = 100 * standing.gap
    if standing.kind == "less_accurate":
        return (f"{points:.1f} points less accurate{there}" if there else
                f"{points:.1f} points less accurate (predicted)") + suffix
    if standing.kind == "unconfirmed":
        return (f"not measured at {standing.resolution} px, where the choice was made: "
                f"{_gap_words(points)} at the trials' resolution" + suffix)
    return (f"tied with the choice{there} ({_gap_words(points)}; at most "
            f"{100 * standing.error:.1f} points below the most accurate: {TIE_TEST}): needs "
            f"more {COST_WORDS[standing.prefer]}" + suffix)


COST_WORDS = {"memory": "RAM", "time": "update time", "flash": "flash"}
TIE_TEST = (f"inside its 90% interval, {100 * EQUIVALENT:.1f} points at most, and measured "
            "where the most accurate was")  # ranking.tied


def _gap_words(points: float) -> str:
    return (f"{points:.1f} points less accurate" if points >= 0
            else f"{-points:.1f} points more accurate")


def ties(group: list, prefer: str) -> str | None:
    """'full, lora r8 and galore r1 cannot be told apart: each lies at most 0.5 points below
    the most accurate, 91.0% ± 1.2% (...); lora r8 needs 40% less RAM than full' (``group``:
    the chosen option and those tied with it, most accurate first)."""
    if len(group) < 2:
        return None
    chosen = next(o for o in group if o.standing.kind == "chosen")
    names = [o.label for o in group[:3]] + ([f"{len(group) - 3} more"] if len(group) > 3 else [])
    best = group[0]
    mine, theirs = getattr(chosen, PREFERENCES[prefer]), getattr(best, PREFERENCES[prefer])
    saving = (f"{chosen.label} needs {_share(1 - mine / theirs)} less {COST_WORDS[prefer]} "
              f"than {best.label}" if theirs > 0 and mine < theirs and chosen is not best
              else f"{chosen.label} needs the least {COST_WORDS[prefer]}")
    shown = confirmed(best.confirmed) if chosen.standing.resolution else accuracy(best)
    return (f"{', '.join(names[:-1])} and {names[-1]} cannot be told apart: each lies at most "
            f"{100 * chosen.standing.error:.1f} points below the most accurate, "
            f"{shown} ({TIE_TEST}); {saving} (--prefer memory|time|flash)")


def _share(fraction: float) -> str:
    """'40%', or '0.04%' where whole percents would print a real saving as '0%'."""
    return f"{fraction:.0%}" if fraction >= 0.005 else f"{100 * fraction:.2g}%"


def decided_there(option) -> bool:
    """Whether ``option`` was ranked on its figure at the device's resolution
    (confirmation.py), so that figure is the one to show."""
    return option.confirmed is not None and option.standing is not None \
        and option.standing.resolution is not None


def deciding_accuracy(option) -> float:
    """The accuracy the choice was made on: at the device's resolution where it was, else
    the trials'."""
    return option.confirmed.accuracy if decided_there(option) else option.predicted_accuracy


def confirmed(c: Confirmation) -> str:
    """'96.3% ± 1.1% at 224 px (measured there: mean of 3 runs)', or '... (measured there: 1
    run, no interval)'."""
    if c.error is None:
        return (f"{c.accuracy:.1%} at {c.resolution} px (measured there: {c.runs} run"
                f"{'s' * (c.runs != 1)}, no interval)")
    return (f"{c.accuracy:.1%} ± {c.error:.1%} at {c.resolution} px (measured there: mean of "
            f"{c.runs} runs)")


def accuracy(option, compact: bool = False) -> str:
    """'91.2% ± 1.3%', or the value with why it has no interval; ``compact``: '91.2%±1'."""
    if option.accuracy_error is None:
        return f"{option.predicted_accuracy:.1%}" + ("" if compact else (
            " (no interval: the study repeated too few trials to measure the seed noise)"))
    if compact:
        return f"{option.predicted_accuracy:.1%}±{option.accuracy_error * 100:.0f}"
    return f"{option.predicted_accuracy:.1%} ± {option.accuracy_error:.1%}"


def short_violation(v: Violation) -> str:
    """A violation in a table cell: 'RAM 2.1 GiB > 1.5 GiB'."""
    if v.constraint in ("memory", "flash"):
        return f"{CONSTRAINT_NAMES[v.constraint]} {human_bytes(v.need)} > {human_bytes(v.limit)}"
    if v.constraint == "update_time":
        return f"~{v.need:.0f} s > {v.limit:.0f} s"
    return f"{v.need:.1%} < {v.limit:.1%}"


def short_reason(standing: Standing | None, violations: list[Violation]) -> str:
    """``reason`` in a table cell of at most two lines of 20 characters (the levers are in
    the label, an extrapolated accuracy is marked next to the accuracy)."""
    if violations:
        more = f" +{len(violations) - 1}" if len(violations) > 1 else ""
        return short_violation(violations[0]) + more
    if standing is None or standing.kind == "chosen":
        return "chosen"
    text = f"{-100 * standing.gap:+.1f} pts"
    if standing.kind == "unconfirmed":  # '+3.7 pts in trials\nnot run at 224 px'
        return text + f" in trials\nnot run at {standing.resolution} px"
    tie = f"tied ±{100 * standing.error:.1f}"
    more = f"more {COST_WORDS[standing.prefer]}"
    if standing.resolution:  # '-2.5 pts @224px' or '+0.3 pts @224px tied\nmore RAM'
        text += f" @{standing.resolution}px"
        return text + (f" tied\n{more}" if standing.kind == "tied" else "")
    if standing.kind == "tied":  # a tie's gap is under 0.5 points: '+0.2 pts, tied ±0.5'
        text += f", {tie}\n{more}"
    return text


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
        return (f"one sample's forward pass with the model's weights needs "
                f"{human_bytes(s.forward_bytes)} at this resolution, more than the "
                f"{human_bytes(memory.limit)} of RAM: no update fits at it, whatever its depth, "
                f"micro-batch or checkpointing{then}")
    if s.kind == "below_floor":
        memory = next(v for v in s.violations if v.constraint == "memory")
        return (f"the runtime and the model's weights alone need "
                f"{human_bytes(s.required_ram_bytes)}, more than the {human_bytes(memory.limit)} "
                "of RAM: no update of this model fits at any batch size, resolution, depth, "
                "micro-batch or checkpointing; choose a smaller model or a larger limit")
    if s.kind == "nothing_fits_ram":
        return (f"even {s.config.label} at batch 1 does not fit: choose a smaller model or a "
                "device with more memory")
    return (f"closest: {s.config.label}: {'; '.join(violation(v) for v in s.violations)}; "
            "relax that limit")
