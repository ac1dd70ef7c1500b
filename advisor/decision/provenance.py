"""The notes under an answer: where each kind of figure comes from and how sure it is (the
evidence, the measured transfer, the rules of thumb, a runtime's limits, a choice made at the
device's resolution). Words only, written from typed data when shown, like explain.py, whose
phrases they share."""

from __future__ import annotations

from advisor.decision.explain import accuracy, confirmed, human_bytes
from advisor.methods.executorch_training import OPTIMIZER as PROGRAM_OPTIMIZER
from advisor.methods.executorch_training import TRAINS_AS


def chosen_there(chosen, trials_choice, ranked: list, trial_resolution: int) -> list[str]:
    """The note on a choice made at the device's resolution (confirmation.py): among how
    many measured there, and what the trials' ranking alone would have chosen."""
    if chosen is None or chosen.standing is None or not chosen.standing.resolution:
        return []
    at = chosen.standing.resolution
    there = {o.config.evidence_config() for o in ranked
             if o.confirmed is not None and o.feasible}
    said = (f"chosen at {at} px, the device's resolution, among the {len(there)} "
            f"configurations that fit and were measured there (the shipped protocol at {at} "
            f"px, benchmarks/transfer.py), because the choice of the {trial_resolution}-px "
            "trials was measured there too; the others were not run there and keep their "
            f"{trial_resolution}-px figures")
    if trials_choice is not None:
        key = trials_choice.config.evidence_config()
        theirs = next((o.confirmed for o in ranked if o.config.evidence_config() == key), None)
        said += (f"; the {trial_resolution}-px trials alone chose {trials_choice.label}, "
                 f"{accuracy(trials_choice)} at {trial_resolution} px"
                 + (f" and {confirmed(theirs)}" if theirs is not None else ""))
    return [said]


def baselines(rows: list) -> list[str]:
    """One note on the rules of thumb (answer.Baseline): which the evidence measured, and
    what each would give on this device; none when the model has none of them."""
    if not rows:
        return []
    parts = []
    for b in rows:
        how = (f"measured, {b.measured_runs} run{'s' if b.measured_runs > 1 else ''}"
               if b.measured_runs else "NOT measured, predicted")
        error = f" ± {b.accuracy_error:.1%}" if b.accuracy_error is not None else ""
        fit = "the recommendation" if b.recommended else \
            f"RAM {human_bytes(b.required_ram_bytes)}" + ("" if b.fits else ", does not fit")
        there = f"; {confirmed(b.confirmed)}" if b.confirmed is not None else ""
        parts.append(f"{b.name} {b.accuracy:.1%}{error} ({how}{there}; {fit})")
    return ["baselines, all blocks: " + "; ".join(parts)]


def runtime_notes(runtime: str, refused: list, ranked: list, optimizer: str) -> list[str]:
    """What a runtime that runs less than PyTorch (ExecuTorch) changed: the candidates it
    cannot run, by reason, which RAM figures come from exported programs, and whether the
    accuracy was measured with the program's optimizer (``optimizer``: the trials')."""
    said = []
    by_reason: dict[str, list[str]] = {}
    for r in refused:
        by_reason.setdefault(r.reason, []).append(r.label)
    for why, labels in by_reason.items():
        shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3
                                          else "")
        said.append(f"{runtime} cannot run {shown}: {why}")
    exported = sum(o.program_memory is not None for o in ranked)
    said.append(f"{runtime}: RAM needed of {exported} front-runner{'s' if exported != 1 else ''}"
                " from the exported program's memory plan (advisor program); of the others, "
                "the eager tensor peak + 10 MiB stands in")
    said.append(f"accuracy: measured with {TRAINS_AS}, as the program trains"
                if optimizer == PROGRAM_OPTIMIZER else
                "accuracy: measured with AdamW; the program trains with SGD (momentum 0.9), "
                "whose accuracy is not measured for this model and task (advisor search "
                "--optimizer sgd measures it)")
    return said


def notes(*, study: str, tried: int, trials: int, error: float, task: str, dataset: str,
          trial_resolution: int, trial_batch_size: int, epochs: int, batch_size: int,
          resolution: int, runtime: str, frozen_weights_in_flash: bool, samples: int,
          training_gflops: float, training_gflops_basis: str,
          transfer: list[str] | None = None) -> list[str]:
    """Where each kind of figure in a recommendation comes from, and how sure it is
    (``transfer``: the measured transfer the extrapolation rests on, decision/transfer.py)."""
    scale = (f"; the device trains at batch {batch_size}, {resolution} px: accuracy is "
             f"extrapolated from the trials' batch {trial_batch_size}, {trial_resolution} px"
             if (batch_size, resolution) != (trial_batch_size, trial_resolution) else "")
    return [
        f"accuracy (evidence: {study}): the mean of its trials for each of the {tried} "
        "configurations the study tried, "
        f"else a random-forest surrogate over its {trials} trials ('{task}' task on {dataset}, "
        f"batch {trial_batch_size}, {trial_resolution} px, {epochs} epochs); ± is a 90% "
        f"interval: of the mean, from the seed noise of repeated trials, where tried; of a new "
        f"trial, calibrated on held-out trials, where predicted (cross-validated mean error "
        f"{error:.1%}){scale}",
        *[f"accuracy, {sentence}" for sentence in transfer or []],
        f"memory, FLOPs, storage: exact, one training step on fake tensors at batch "
        f"{batch_size}, {resolution} px; RAM need = {runtime}"
        + (", frozen weights read from flash" if frozen_weights_in_flash else ""),
        f"update time: ESTIMATE, {samples} samples x {epochs} epochs at {training_gflops:g} "
        f"GFLOP/s ({training_gflops_basis})",
    ]
