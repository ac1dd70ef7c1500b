"""Levers that never change what an update computes: micro-batching (gradient accumulation)
and activation checkpointing. They need no new evidence, so the recommender tries them after
the fact, on the candidates that break nothing but the RAM limit and would beat the best
candidate that fits as it is, best first (``variants`` says in which order), and only above
the floor no lever moves (bounds.py). Update depth is a lever too, but it changes the result:
it is a dimension of the candidates themselves (space.py)."""

from __future__ import annotations

from advisor.config import Config
from advisor.cost.cache import costs
from advisor.decision.answer import Option
from advisor.decision.evidence import Evidence
from advisor.decision.feasibility import evaluate, memory_limit
from advisor.decision.question import Question
from advisor.methods import METHODS


def variants(config: Config, batch_size: int) -> list[Config]:
    """``config`` with each lever setting, in the order they are tried: micro-batches
    (largest first), checkpointing, both. Where the method trains BatchNorm statistics a
    micro-batch changes them (and the accuracy estimate becomes an extrapolation), so
    checkpointing, which changes nothing, comes first."""
    micro = [batch_size // 2**i for i in range(1, batch_size.bit_length())
             if batch_size % 2**i == 0]
    batched = [config.model_copy(update={"micro_batch": m}) for m in micro]
    checkpointed = Config.model_validate({**config.model_dump(), "checkpointing": True})
    if not checkpointed.checkpointing:  # some configurations have nothing to recompute
        return batched
    both = [checkpointed.model_copy(update={"micro_batch": m}) for m in micro]
    if METHODS[config.method].trains_norm_statistics:
        return [checkpointed, *batched, *both]
    return [*batched, checkpointed, *both]


# A question tries at most this many lever settings (each at most two profiles of ~1-3 s where
# the cache lacks them). Counted whether cached or not, so the answer does not depend on what
# a cache holds (and what ships is exactly what a fresh machine reads).
MAX_TRIES = 24


def _out_of_reach(option: Option, question: Question) -> bool:
    """No lever setting of ``option`` can fit: its weights and optimizer state alone (held
    through every step, whatever the micro-batch or recomputation) need more than the limit."""
    m = option.memory_breakdown
    held = m.get("params", 0) + m.get("buffers", 0) + m.get("optimizer", 0)
    return question.device.memory().needed(held, method=option.method) > memory_limit(
        question.device, question.constraints)


def relieve(evidence: Evidence, options: list[Option], question: Question) -> list[Option]:
    """``options`` with the most accurate one that breaks only the RAM limit, and is more
    accurate than every option that fits, replaced by its first lever setting that fits.

    Best first: candidates by predicted accuracy (less those out of any lever's reach), each
    lever setting in ``variants``' order, one costing at a time; the first setting that fits
    ends the search (any later one would be less accurate), and so does the ``MAX_TRIES``-th
    setting tried."""
    best_fit = max((o.predicted_accuracy for o in options if o.feasible), default=-1.0)
    todo = sorted((o for o in options if not o.feasible and o.predicted_accuracy > best_fit
                   and all(v.constraint == "memory" for v in o.violations)
                   and not _out_of_reach(o, question)),
                  key=lambda o: -o.predicted_accuracy)
    tried = 0
    for o in todo:
        tries = variants(o.config, question.batch_size)
        estimates = evidence.estimates(tries)
        for c in tries:
            exact = costs(evidence.model, [c], question.batch_size, question.resolution,
                          question.num_classes)[c]
            option = evaluate(c, estimates[c], exact, question)
            if option.feasible:
                return [option if x.config == o.config else x for x in options]
            tried += 1
            if tried >= MAX_TRIES:
                return options
    return options


def with_full_depth_need(options: list[Option], plain: list[Option]) -> list[Option]:
    """Each option that uses a lever, with the RAM its method, rank and targets need without
    any (all blocks, the whole batch at once, nothing recomputed: from ``plain``, the
    candidates as they were before any lever), where that was evaluated."""
    plain = {(o.method, o.rank, o.targets): o.required_ram_bytes for o in plain
             if o.depth is None and o.micro_batch is None and not o.checkpointing}
    return [o.model_copy(update={"full_depth_ram_bytes": plain.get((o.method, o.rank,
                                                                      o.targets))})
            if (o.depth is not None or o.micro_batch or o.checkpointing) else o
            for o in options]
