"""What is known about (model, task), whatever the device: the accuracy estimates (a surrogate
fitted to a study's trials, or the shipped benchmark's, shipped.py) and the size of the task.
Read once, used for every device and every constraint; reading a study never writes to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor import defaults
from advisor.accuracy.estimate import Estimate, Estimator, NotEnoughTrials
from advisor.config import Config, check_task
from advisor.zoo import resolve_model


@dataclass
class Evidence:
    """Everything ``decide`` needs besides the device, fitted once so that a new device or
    constraint costs milliseconds (the TUI re-ranks on every keystroke)."""

    model: str
    task: str
    dataset: str
    study: str
    epochs: int
    surrogate: Estimator
    samples: int  # the task's target training set
    num_classes: int
    trial_resolution: int = defaults.TRIAL_RESOLUTION
    shipped: bool = False  # the package's own evidence, used when the user names no data
    optimizer: str = defaults.OPTIMIZER  # the trials' (sgd: as an ExecuTorch program trains)
    _estimates: dict[Config, Estimate] = field(default_factory=dict)

    def estimates(self, configs: list[Config]) -> dict[Config, Estimate]:
        """The accuracy estimate of each configuration (shared by those that differ only in
        levers that never change the result)."""
        keys = {c: c.evidence_config() for c in configs}
        missing = list(dict.fromkeys(k for k in keys.values() if k not in self._estimates))
        if missing:
            self._estimates.update(self.surrogate.estimate(missing))
        return {c: self._estimates[k] for c, k in keys.items()}


def study_evidence(model: str = defaults.MODEL, task: str = defaults.TASK,
                   storage: str | None = None, study: str | None = None,
                   epochs: int = defaults.EPOCHS,
                   dataset: str = defaults.DATASET,
                   optimizer: str = defaults.OPTIMIZER) -> Evidence:
    """Open the (model, task) study read-only and fit the accuracy surrogate.

    A missing study or one with too few trials is ``NotEnoughTrials`` (an AdvisorError that
    says to run a search); ``recommend`` runs one then.
    """
    from advisor.accuracy.surrogate import AccuracySurrogate
    from advisor.study.search import NoStudy, open_study
    from advisor.study.trials import completed_results, task_size

    spec = resolve_model(model)
    check_task(task)
    try:
        opened = open_study(spec.name, task, storage, study, dataset=dataset, epochs=epochs,
                            create=False, optimizer=optimizer)
    except NoStudy as exc:
        raise NotEnoughTrials(f"{exc}: the surrogate needs at least {defaults.MIN_TRIALS} "
                              "completed trials") from None
    surrogate = AccuracySurrogate().fit(completed_results(opened))
    samples, num_classes = task_size(opened, task, dataset)
    return Evidence(model=spec.name, task=task, dataset=dataset, study=opened.study_name,
                    epochs=epochs, surrogate=surrogate, samples=samples,
                    num_classes=num_classes, optimizer=optimizer)

