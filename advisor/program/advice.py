"""A recommendation for a device whose runtime is ExecuTorch.

Two things differ from PyTorch's: what can run (support.py: the rest is listed with its
reason, not hidden) and the RAM, which a program states itself. Exporting every candidate at
the device's scale would take many minutes, so the eager tensor peak (+ the runtime's 10 MiB)
stands in until a candidate is a front-runner: the candidates at least as accurate as the
current choice, best first, are exported (cost.py keeps them) and judged on their program's
RAM, until the choice is an exported program and nothing more accurate is left unexported,
or ``FRONT_RUNNERS`` programs were exported.
"""

from __future__ import annotations

from advisor.config import Config
from advisor.cost.screening import valid_configs
from advisor.decision.answer import Option, Recommendation, RuntimeRefusal
from advisor.decision.evidence import Evidence
from advisor.decision.feasibility import memory_limit
from advisor.decision.question import Question
from advisor.decision.ranking import alternatives, rank
from advisor.decision.recommend import decide_question
from advisor.decision.verdicts import Violation
from advisor.program.cost import program_memory
from advisor.program.manifest import ProgramMemory
from advisor.program.support import OPTIMIZER, RUNTIME, refusal
from advisor.space import grid

FRONT_RUNNERS = 5  # programs one answer may export (each takes seconds to tens of seconds)


def with_program(option: Option, memory: ProgramMemory, question: Question) -> Option:
    """``option`` judged on its program's RAM instead of the cost model's."""
    device = question.device
    limit = memory_limit(device, question.constraints)
    need = memory.ram_needed_bytes
    violations = [v for v in option.violations if v.constraint != "memory"]
    if need > limit:
        violations.append(Violation(constraint="memory", need=need, limit=limit,
                                    set_by="device" if limit == device.usable_ram else "user"))
    figures = memory.model_dump(exclude={"ram_needed_rule"})
    return option.model_copy(update={
        "required_ram_bytes": need, "program_memory": figures, "violations": violations,
        "slack": {**option.slack, "memory": limit - need}, "standing": None})


def _memory_only(option: Option) -> bool:
    return all(v.constraint == "memory" for v in option.violations)


def _next_export(ranked: list[Option]) -> Option | None:
    chosen = ranked[0] if ranked and ranked[0].feasible else None
    if chosen is not None and chosen.program_memory is None:
        return chosen
    floor = chosen.predicted_accuracy if chosen is not None else -1.0
    pending = [o for o in ranked if o.program_memory is None and _memory_only(o)
               and o.predicted_accuracy >= floor]
    return max(pending, key=lambda o: o.predicted_accuracy, default=None)


def decide_program(evidence: Evidence, question: Question,
                   configs: list[Config] | None = None) -> Recommendation:
    """``decide_question`` for an ExecuTorch device: refusals named, front-runners exported."""
    reasons = {c: refusal(c) for c in valid_configs(evidence.model,
                                                    configs or grid(evidence.model))}
    refused = [RuntimeRefusal(label=c.label, reason=why) for c, why in reasons.items()
               if why is not None]
    # at_device_resolution off: the runs at other resolutions trained as PyTorch does (AdamW,
    # BatchNorm statistics updated), not as a program does, and this ranking is redone below
    result = decide_question(evidence, question, [c for c, why in reasons.items() if why is None],
                             program_runtime=True, at_device_resolution=False)
    asked = question.about(evidence)
    options = []
    for o in result.ranked:  # the levers may add checkpointing, which a program cannot do
        why = refusal(o.config)
        if why is None:  # a program's BatchNorm statistics never train: no batch to differ
            options.append(o.model_copy(update={"extrapolated": []}))
        else:
            refused.append(RuntimeRefusal(label=o.label, reason=why))
    exported: dict[str, Option] = {}
    ranked = rank(options, asked)
    while len(exported) < FRONT_RUNNERS and (option := _next_export(ranked)) is not None:
        memory = program_memory(evidence.model, option.config, option.batch_size,
                                option.resolution, asked.num_classes)
        exported[option.config.key()] = with_program(option, memory, asked)
        ranked = rank([exported.get(o.config.key(), o) for o in options], asked)
    chosen = ranked[0] if ranked and ranked[0].feasible else None
    return result.model_copy(update={
        "recommendation": chosen, "alternatives": alternatives(ranked), "ranked": ranked,
        "suggested": None if chosen is not None else result.suggested, "runtime": RUNTIME,
        "refused_by_runtime": refused})


def recommend_program(*args, **kwargs) -> Recommendation:
    """``advisor.recommend`` (same arguments) for a device whose runtime is ExecuTorch: on the
    evidence of trials that trained as a program does where there is some (the shipped
    study for the default model, ``advisor search --optimizer sgd`` for others), else
    AdamW's, which the answer names."""
    from advisor.decision.recommend import recommend

    return recommend(*args, **kwargs, decider=decide_program, optimizer=OPTIMIZER)
