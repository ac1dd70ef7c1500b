"""Where the device trains at a resolution the front-runners were measured at, choose there.

The trials run at 32 px; a Jetson or a Raspberry Pi trains at 224 px. benchmarks/transfer.py
measured how the 32-px ranking carries (docs/transfer.md): at 224 px the shipped 32-px answer
fell more than half a point behind the best there, so a 32-px ranking alone is not enough
(issue 30, item 3: "at least the confirmations of the front-runners at the device's
resolution"). The configurations that benchmark trains at the device's resolution (the
baselines, the devices' 32-px answers and a spread of methods, ranks and depths; runs shipped
in transfer.json) are those confirmations.

A configuration measured there is recommended with the learning rate it was measured with
there; its figure at the trials' resolution stays the evidence's for that configuration.

The rule, applied only where the 32-px choice itself was measured at the device's resolution
(else there is nothing to compare it with, and the 32-px choice stands):
- among the feasible options measured there, the most accurate there, and those tied with it
  by ranking.py's test on the figures there (inside its 90% interval, half a point at most);
  among them the cheapest by ``prefer``;
- options not measured there keep their 32-px figures and are marked so: a 32-px estimate is
  not comparable with a 224-px measurement (accuracy rises with resolution), so they can
  neither win nor tie.

The 90% interval of a mean at the device's resolution: Student's t on the seed noise pooled
over the configurations measured there (as surrogate.py pools it over repeated trials).
"""

from __future__ import annotations

import math
import statistics

from advisor import defaults
from advisor.config import Config
from advisor.decision.answer import Option
from advisor.decision.evidence import Evidence
from advisor.decision.question import Question
from advisor.decision.ranking import cost, margin
from advisor.decision.verdicts import Confirmation, Preference, Standing

# A configuration that leads on one run often leads by luck (the search repeats its
# front-runners for that reason): one run at the device's resolution confirms nothing.
MIN_RUNS = 2


def confirmations(evidence: Evidence, question: Question) -> dict[Config, Confirmation]:
    """The shipped measurements at the question's resolution that apply to ``evidence``: its
    own model, the shipped protocol (Fashion-MNIST ``unseen``, AdamW, 4 epochs) and a
    resolution other than the trials'. Empty otherwise."""
    from advisor.decision import shipped, transfer

    if (not evidence.shipped or evidence.task != "unseen"
            or evidence.dataset != shipped.DATASET or evidence.optimizer != defaults.OPTIMIZER
            or evidence.epochs != defaults.EPOCHS
            or question.resolution == evidence.trial_resolution):
        return {}
    runs, quantile = transfer.resolution_runs(evidence.model, question.resolution)
    return {config: there for config, there in summarise(runs, question.resolution,
                                                         quantile).items()
            if there.runs >= MIN_RUNS}


def summarise(runs: dict[Config, list[float]], resolution: int,
              quantile: float) -> dict[Config, Confirmation]:
    """Each configuration's mean and the 90% interval of that mean (pooled seed noise;
    ``quantile``: Student's t at 95% with the pooled degrees of freedom, shipped with the
    runs)."""
    df = sum(len(values) - 1 for values in runs.values())
    squares = sum((len(v) - 1) * statistics.variance(v) for v in runs.values() if len(v) > 1)
    return {config.evidence_config(): Confirmation(
        resolution=resolution, lr=config.lr, accuracy=statistics.mean(values),
        runs=len(values),
        error=float(quantile * math.sqrt(squares / df / len(values))) if df else None)
        for config, values in runs.items()}


def confirm(ranked: list[Option], measured: dict[Config, Confirmation],
            prefer: Preference) -> list[Option]:
    """``ranked`` (ranking.py's order) re-decided at the device's resolution, as the module
    says; unchanged where the 32-px choice was not measured there."""
    if not ranked or not ranked[0].feasible or \
            ranked[0].config.evidence_config() not in measured:
        return ranked
    marked = [_marked(o, measured.get(o.config.evidence_config())) for o in ranked]
    there = sorted((o for o in marked if o.feasible and o.confirmed is not None),
                   key=lambda o: (-o.confirmed.accuracy, o.required_ram_bytes))
    best = there[0].confirmed
    within = margin(best.error)
    tied = [o for o in there if best.accuracy - o.confirmed.accuracy <= within]
    chosen = min(tied, key=lambda o: (cost(o, prefer), -o.confirmed.accuracy))
    rest = [o for o in marked if o.feasible and o.confirmed is None]
    order = [chosen, *(o for o in there if o is not chosen), *rest,
             *(o for o in marked if not o.feasible)]
    ties = len({o.config.evidence_config() for o in tied}) - 1
    return [o.model_copy(update={"standing": _standing(
        o, chosen, best, within, ties, prefer, any(o is t for t in tied))}) for o in order]


def _marked(option: Option, there: Confirmation | None) -> Option:
    """``option`` with its figure at the device's resolution, and the learning rate that
    figure was measured with (the runs there use the method's own; the trials' best may be
    another): what is chosen there is the run measured there."""
    if there is None:
        return option
    return option.model_copy(update={"confirmed": there, "lr": there.lr})


def _standing(option: Option, chosen: Option, best: Confirmation, within: float, ties: int,
              prefer: Preference, tied: bool) -> Standing:
    at = best.resolution
    if not option.feasible:
        return Standing(kind="infeasible")
    if option is chosen:
        return Standing(kind="chosen", gap=best.accuracy - option.confirmed.accuracy,
                        error=within, ties=ties, prefer=prefer, resolution=at)
    if option.confirmed is None:
        return Standing(kind="unconfirmed", gap=chosen.predicted_accuracy
                        - option.predicted_accuracy, prefer=prefer, resolution=at)
    return Standing(kind="tied" if tied else "less_accurate",
                    gap=chosen.confirmed.accuracy - option.confirmed.accuracy,
                    error=within, prefer=prefer, resolution=at)
