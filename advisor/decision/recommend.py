"""Constraints + device profile + evidence -> a ranked, explained recommendation.

Accuracy comes from the evidence (evidence.py: the shipped benchmark's when the user brings no
data, else a study's; measured means, or the surrogate, each with a measured interval); cost
comes from the exact profiler at the device's batch size and resolution (cost/cache.py); the
device only decides feasibility and the estimated update time (feasibility.py). So a new
device never needs new trials.
"""

from __future__ import annotations

from collections.abc import Callable

from advisor import defaults, progress
from advisor.accuracy.estimate import NotEnoughTrials
from advisor.config import Config, check_task
from advisor.cost.cache import costs
from advisor.cost.screening import valid_configs
from advisor.decision.answer import Basis, Option, Recommendation
from advisor.decision.bounds import ram_floor
from advisor.decision.confirmation import confirm, confirmations
from advisor.decision.evidence import Evidence, study_evidence
from advisor.decision.feasibility import evaluate
from advisor.decision.levers import relieve, with_full_depth_need
from advisor.decision.question import Question
from advisor.decision.ranking import alternatives, rank
from advisor.decision.shipped import shipped_evidence
from advisor.decision.suggestions import suggest
from advisor.decision.verdicts import PREFER_DEFAULT, Preference
from advisor.devices.profile import Constraints, DeviceProfile
from advisor.errors import AdvisorError
from advisor.space import grid
from advisor.zoo import resolve_model


def evaluate_all(evidence: Evidence, configs: list[Config], question: Question) -> list[Option]:
    """Every candidate with its exact device-scale cost and estimated accuracy."""
    exact = costs(evidence.model, configs, question.batch_size, question.resolution,
                  question.num_classes)
    estimates = evidence.estimates(configs)
    return [evaluate(c, estimates[c], exact[c], question) for c in configs]


def evidence_for(model: str = defaults.MODEL, task: str = defaults.TASK,
                 storage: str | None = None, study: str | None = None,
                 epochs: int = defaults.EPOCHS, dataset: str | None = None,
                 optimizer: str = defaults.OPTIMIZER) -> Evidence:
    """The evidence a recommendation rests on: the shipped benchmark's (shipped.py) when the
    user names no data, storage or study and the package ships (model, task) at these epochs
    with this optimizer's trials; otherwise the study on ``dataset`` (default: the built-in
    digits), as ``study_evidence``.
    """
    if dataset is None and storage is None and study is None:
        check_task(task)
        shipped = shipped_evidence(resolve_model(model).name, task, epochs, optimizer)
        if shipped is not None:
            return shipped
    return study_evidence(model, task, storage, study, epochs, dataset or defaults.DATASET,
                          optimizer)


def evidence_of(model: str, task: str, storage: str | None, study: str | None, epochs: int,
                dataset: str | None, optimizer: str) -> Evidence:
    """``evidence_for`` with ``optimizer``'s trials where there are some, else AdamW's (the
    answer names the trials' optimizer). Evidence of another optimizer is never searched for
    here: ``advisor search --optimizer`` makes it."""
    if optimizer != defaults.OPTIMIZER:
        try:
            return evidence_for(model, task, storage, study, epochs, dataset, optimizer)
        except AdvisorError:  # none (or --study names AdamW's): AdamW's
            pass
    return evidence_for(model, task, storage, study, epochs, dataset)


def decide(evidence: Evidence, device: str | DeviceProfile = "jetson-nano",
           constraints: Constraints | None = None, batch_size: int | None = None,
           resolution: int | None = None, samples: int | None = None,
           configs: list[Config] | None = None,
           prefer: Preference = PREFER_DEFAULT) -> Recommendation:
    """Rank every candidate for this device and these limits; among options the evidence
    cannot tell apart, the cheapest by ``prefer`` (ranking.py)."""
    question = Question.ask(device, constraints, batch_size, resolution, samples, prefer)
    return decide_question(evidence, question, configs)


def decide_question(evidence: Evidence, question: Question,
                    configs: list[Config] | None = None, *,
                    program_runtime: bool = False, at_device_resolution: bool = True
                    ) -> Recommendation:
    """``decide`` for a question already checked (``Question.ask``): nothing is checked
    again here. A device whose runtime is ExecuTorch is answered by program/advice.py (what a
    program can run, its RAM), which passes ``program_runtime``. ``at_device_resolution``:
    re-decide among the configurations measured at the device's resolution
    (confirmation.py); off, the trials' ranking alone (what benchmarks/transfer.py tests)."""
    if question.device.runtime_name == "executorch" and not program_runtime:
        raise AdvisorError(f"{question.device.id} runs ExecuTorch: ask advisor.recommend_program "
                           "(advisor recommend does), which ranks what a training program can "
                           "run by its programs' RAM")
    question = question.about(evidence)
    candidates = valid_configs(evidence.model, configs or grid(evidence.model))
    plain = evaluate_all(evidence, candidates, question)
    over_ram = any(v.constraint == "memory" for o in plain for v in o.violations)
    floor = ram_floor(evidence.model, question) if over_ram else None
    relieved = plain if floor is None or floor.blocks_levers else \
        relieve(evidence, plain, question)  # below the floor no lever is worth a profile
    options = with_full_depth_need(relieved, plain)
    ranked = rank(options, question)
    at_trials = ranked[0] if ranked[0].feasible else None
    if at_device_resolution:
        ranked = confirm(ranked, confirmations(evidence, question), question.prefer)
    chosen = ranked[0] if ranked[0].feasible else None
    surrogate = evidence.surrogate
    return Recommendation(
        device=question.device.id, device_name=question.device.name, model=evidence.model,
        task=evidence.task, study=evidence.study, trials=surrogate.n_trials,
        surrogate_error=surrogate.cv_mae, prefer=question.prefer, samples=question.samples,
        constraints=question.constraints, recommendation=chosen,
        trials_choice=at_trials if chosen is not None
        and at_trials.config.evidence_config() != chosen.config.evidence_config() else None,
        alternatives=alternatives(ranked),
        suggested=None if chosen else suggest(evidence.model, options, question, floor),
        ranked=ranked,
        basis=Basis(tried=len(surrogate.tried), dataset=evidence.dataset,
                    shipped=evidence.shipped,
                    trial_resolution=evidence.trial_resolution,
                    trial_batch_size=defaults.TRIAL_BATCH_SIZE, epochs=evidence.epochs,
                    batch_size=question.batch_size, resolution=question.resolution,
                    device=question.device, optimizer=evidence.optimizer))


def recommend(device: str | DeviceProfile = "jetson-nano", model: str = defaults.MODEL,
              task: str = defaults.TASK, constraints: Constraints | None = None,
              batch_size: int | None = None, resolution: int | None = None,
              samples: int | None = None, storage: str | None = None,
              study: str | None = None, trials: int = defaults.TRIALS,
              epochs: int = defaults.EPOCHS,
              configs: list[Config] | None = None,
              prefer: Preference = PREFER_DEFAULT,
              dataset: str | None = None,
              decider: Callable[[Evidence, Question, list[Config] | None],
                                Recommendation] = decide_question,
              optimizer: str = defaults.OPTIMIZER) -> Recommendation:
    """The best configuration that fits, with its costs, slack and the runners-up.

    Without ``dataset``, ``storage`` or ``study`` the accuracy comes from the shipped
    benchmark where it covers (model, task) (shipped.py); otherwise from the study of
    ``dataset`` (default: the built-in digits), which is run first if it has too few trials (a
    few minutes, shown with a progress bar). ``configs`` restricts the candidates (default:
    every method x rank x target policy x depth). ``decider``: how the evidence answers the
    question (program/advice.py's for an ExecuTorch device); ``optimizer``: the trials'
    optimizer the evidence should have (sgd, an ExecuTorch program's: its study where there
    is one, else AdamW's evidence, which the answer then names).
    """
    # bad input fails here, before any study is opened or run
    question = Question.ask(device, constraints, batch_size, resolution, samples, prefer)
    if dataset is not None:
        from advisor.training.tasks import check_dataset

        check_dataset(dataset)
    evidence = evidence_or_search(model, task, storage, study, trials, epochs, dataset,
                                  optimizer)
    return decider(evidence, question, configs)


def evidence_or_search(model: str, task: str, storage: str | None, study: str | None,
                       trials: int, epochs: int, dataset: str | None,
                       optimizer: str = defaults.OPTIMIZER) -> Evidence:
    """``evidence_of``, after running the AdamW trials a study still lacks
    (``recommend``'s)."""
    try:
        return evidence_of(model, task, storage, study, epochs, dataset, optimizer)
    except NotEnoughTrials:
        return _searched_evidence(model, task, storage, study, trials, epochs, dataset)


def _searched_evidence(model: str, task: str, storage: str | None, study: str | None,
                       trials: int, epochs: int, dataset: str | None) -> Evidence:
    """The evidence after running the trials a usable study still lacks."""
    from advisor.study.search import open_study, search
    from advisor.study.trials import completed_results

    unshipped = dataset is None and storage is None and study is None
    dataset = dataset or defaults.DATASET
    opened = open_study(model, task, storage, study, dataset, epochs)
    have = len(completed_results(opened))
    name = opened.user_attrs["model"]
    if unshipped:
        at = f" at {epochs} epochs" if epochs != defaults.EPOCHS else ""
        why = (f"the package ships no evidence for {name} on '{task}'{at} and there is "
               f"no usable study on {dataset} yet")
    else:
        why = f"no usable study for {name} on '{task}' yet"
    progress.note(f"{why}: running {max(trials, defaults.MIN_TRIALS) - have} short trials "
                  f"on {dataset} (stored in {storage or 'the cache'}; later calls reuse "
                  "them)")
    search(model, task, max(trials, defaults.MIN_TRIALS) - have, storage, study, dataset,
           epochs)
    return study_evidence(model, task, storage, study, epochs, dataset)
