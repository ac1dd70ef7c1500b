"""The evidence advisor ships, so that the main job answers at once and on measurements.

A benchmark run on Fashion-MNIST (benchmarks/ship_evidence.py, one command, resumable) leaves
one JSON file per (model, task) in advisor/shipped/: every completed trial (repeats included),
the accuracy surrogate's estimate for every candidate of the grid computed from those trials
when the file was built, and how it was built (date, command, library versions, host).
``advisor recommend`` uses it when the user brings no data, storage or study
(recommend.evidence_for); ``--dataset`` runs a study on the user's data instead.

The estimates are stored rather than refitted because a recommendation from them then never
imports scikit-learn (the warm call's budget is one second, most of it imports).
tests/test_shipped.py refits the stored trials and checks that they give the stored
estimates, so a change to the surrogate cannot leave stale files behind silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import defaults
from advisor.accuracy.estimate import Estimate
from advisor.config import Config
from advisor.decision.evidence import Evidence

if TYPE_CHECKING:
    from advisor.accuracy.surrogate import AccuracySurrogate

FORMAT = 1  # bump when the file's fields change; older files are then ignored
DATASET = "fashion-mnist"
FOLDER = Path(__file__).parents[1] / "shipped"
REBUILD = "python benchmarks/ship_evidence.py"


def evidence_file(model: str, task: str, optimizer: str = defaults.OPTIMIZER) -> Path:
    """AdamW's file keeps its name; another optimizer's study is a file of its own."""
    suffix = "" if optimizer == defaults.OPTIMIZER else f"-{optimizer}"
    return FOLDER / f"evidence-{model}-{task}{suffix}.json"


def optimizer_of(document: dict) -> str:
    """The trials' optimizer (files from before there was a choice are AdamW's)."""
    return document.get("optimizer", defaults.OPTIMIZER)


@dataclass
class ShippedEstimates:
    """The accuracy side of a recommendation (estimate.Estimator) from stored estimates. A
    candidate they do not cover (say, a rank outside the grid) gets the surrogate refitted to
    the shipped trials, once, as a study's evidence would."""

    n_trials: int
    cv_mae: float
    tried: dict[Config, Estimate]
    stored: dict[Config, Estimate]
    trials: list[dict]
    _fitted: AccuracySurrogate | None = field(default=None, repr=False)

    def estimate(self, candidates: list[Config]) -> dict[Config, Estimate]:
        """Evidence.estimates keeps what this returns; only the refit is kept here."""
        keys = list(dict.fromkeys(c.evidence_config() for c in candidates))
        missing = [k for k in keys if k not in self.stored]
        if missing and self._fitted is None:
            from advisor.accuracy.surrogate import AccuracySurrogate

            self._fitted = AccuracySurrogate().fit(self.trials)
        fitted = self._fitted.estimate(missing) if missing else {}
        return {k: self.stored[k] if k in self.stored else fitted[k] for k in keys}


def estimate_json(candidate: Config, e: Estimate) -> dict:
    return {"candidate": candidate.model_dump(mode="json"), "accuracy": e.accuracy,
            "config": e.config.model_dump(mode="json"), "measured": e.measured,
            "half_width": e.half_width, "runs": e.runs}


def _estimate(row: dict) -> tuple[Config, Estimate]:
    return (Config.model_validate(row["candidate"]),
            Estimate(row["accuracy"], Config.model_validate(row["config"]), row["measured"],
                     row["half_width"], row["runs"]))


def build_document(model: str, task: str, epochs: int, results: list[dict], samples: int,
                   num_classes: int, provenance: dict,
                   optimizer: str = defaults.OPTIMIZER) -> dict:
    """The shipped file of (model, task, optimizer): the trials, and the surrogate's estimates
    for every candidate the recommender ranks (the grid's valid configurations; with SGD,
    those an ExecuTorch program can run)."""
    from advisor.accuracy.surrogate import AccuracySurrogate, held_out_coverage
    from advisor.study.next_candidate import model_grid

    surrogate = AccuracySurrogate().fit(results)
    candidates = list(dict.fromkeys(c.evidence_config() for c in model_grid(model, optimizer)))
    estimates = surrogate.estimate(candidates)
    inside, within_mae, checked = held_out_coverage(results)
    return {
        "format": FORMAT, "model": model, "task": task, "dataset": DATASET, "epochs": epochs,
        "optimizer": optimizer,
        "trial_resolution": defaults.TRIAL_RESOLUTION,
        "trial_batch_size": defaults.TRIAL_BATCH_SIZE,
        "samples": samples, "num_classes": num_classes, "provenance": provenance,
        "surrogate": {"n_trials": surrogate.n_trials, "cv_mae": surrogate.cv_mae,
                      "seed_sd": surrogate.seed_sd, "seed_df": surrogate.seed_df,
                      "held_out_inside_90": inside, "held_out_within_mae": within_mae,
                      "held_out_checked": checked},
        "tried": [estimate_json(c, e) for c, e in surrogate.tried.items()],
        "estimates": [estimate_json(c, estimates[c]) for c in candidates],
        "trials": results,
    }


@cache
def read_document(path: Path) -> dict | None:
    """A shipped file, or None if it is absent or of another format (then not used)."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return document if document.get("format") == FORMAT else None


def shipped_evidence(model: str, task: str, epochs: int = defaults.EPOCHS,
                     optimizer: str = defaults.OPTIMIZER) -> Evidence | None:
    """The shipped evidence of (model, task) at these epochs with this optimizer's trials, or
    None if none is shipped."""
    document = read_document(evidence_file(model, task, optimizer))
    if document is None or document["epochs"] != epochs or optimizer_of(document) != optimizer:
        return None
    tried = dict(_estimate(row) for row in document["tried"])
    estimator = ShippedEstimates(
        n_trials=document["surrogate"]["n_trials"], cv_mae=document["surrogate"]["cv_mae"],
        tried=tried, stored=dict(_estimate(row) for row in document["estimates"]),
        trials=document["trials"])
    built = document["provenance"]["built"][:10]
    return Evidence(model=model, task=task, dataset=document["dataset"],
                    study=f"shipped benchmark of {built}", epochs=epochs,
                    surrogate=estimator, samples=document["samples"],
                    num_classes=document["num_classes"],
                    trial_resolution=document["trial_resolution"], shipped=True,
                    optimizer=optimizer)


def shipped_studies() -> list[tuple[str, str, str]]:
    """(model, task, optimizer) of every shipped file."""
    found = []
    for path in sorted(FOLDER.glob("evidence-*.json")):
        document = read_document(path)
        if document is not None:
            found.append((document["model"], document["task"], optimizer_of(document)))
    return found


def shipped_pairs() -> list[tuple[str, str]]:
    """(model, task) pairs with a shipped file of AdamW's trials (what every device but an
    ExecuTorch one is answered from)."""
    return [(model, task) for model, task, optimizer in shipped_studies()
            if optimizer == defaults.OPTIMIZER]


# The constrained questions whose costs ship too (benchmarks/ship_evidence.py asks them): RAM
# limits at these shares of the unconstrained choice's need (the levers: micro-batching,
# checkpointing), an update-time limit, and an impossible RAM limit (the floor).
MEMORY_SHARES = (0.25, 0.5, 0.75)
UPDATE_TIME = 60.0
IMPOSSIBLE = 1024


def constrained_questions(unconstrained) -> list:
    """The Constraints asked after ``unconstrained`` (a Recommendation) for the same device,
    model and task."""
    from advisor.devices.profile import Constraints

    chosen = unconstrained.recommendation
    limits = [Constraints(max_update_time=UPDATE_TIME), Constraints(max_memory=IMPOSSIBLE)]
    if chosen is not None:
        limits += [Constraints(max_memory=int(chosen.required_ram_bytes * share))
                   for share in MEMORY_SHARES]
    return limits
