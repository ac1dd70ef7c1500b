"""The Optuna study: short real trials over method, rank, target layers and learning rate.

Objectives: maximise target accuracy and minimise the trial's measured peak memory, so the
study spreads its trials along the accuracy/memory front, which is what devices of different
sizes need (a pruner would not apply: pruners are single-objective). A combination the method
refuses (e.g. LoRA rank not divisible by the groups of a depthwise conv) costs no training: it
is marked infeasible through Optuna's constraints, so TPE learns to avoid it. A trial that
crashes is recorded as failed and the study goes on.

Storage: an SQLite file in advisor's cache by default; any Optuna storage URL otherwise
(PostgreSQL for many workers).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import optuna

from advisor.errors import AdvisorError, IncompatibleConfigError
from advisor.methods import METHODS
from advisor.paths import cache_dir
from advisor.space import RANKS, TARGETS, canonical
from advisor.zoo import resolve_model

DEFAULT_TRIALS = 24
TRIAL_EPOCHS = 4
LR_SCALE = (1 / 3, 3.0)  # around each method's default learning rate, log scale


def default_storage() -> str:
    return f"sqlite:///{cache_dir() / 'studies.db'}"


def study_name(model: str, task: str, dataset: str = "digits", epochs: int = TRIAL_EPOCHS) -> str:
    return f"{resolve_model(model).name}:{task}:{dataset}:e{epochs}"


def open_study(model: str, task: str, storage: str | None = None, name: str | None = None,
               dataset: str = "digits", epochs: int = TRIAL_EPOCHS, seed: int = 0,
               create: bool = True) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = storage or default_storage()
    name = name or study_name(model, task, dataset, epochs)
    with warnings.catch_warnings():  # group=True is flagged experimental; it is what we want
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True,
                                             n_startup_trials=8)
    try:
        if not create:
            return optuna.load_study(study_name=name, storage=storage, sampler=sampler)
        study = optuna.create_study(study_name=name, storage=storage, sampler=sampler,
                                    directions=["maximize", "minimize"], load_if_exists=True)
    except KeyError:
        raise AdvisorError(f"no study '{name}' in {storage}; run 'advisor search' first") from None
    except (ValueError, ImportError, optuna.exceptions.StorageInternalError) as exc:
        raise AdvisorError(f"cannot open study storage '{storage}': {exc}") from None
    except Exception as exc:  # SQLAlchemy: unknown dialect, unreachable server, bad file
        if type(exc).__module__.startswith("sqlalchemy"):
            first = str(exc).splitlines()[0]
            raise AdvisorError(f"cannot open study storage '{storage}': {first}") from None
        raise
    study.set_user_attr("model", resolve_model(model).name)
    study.set_user_attr("task", task)
    study.set_user_attr("dataset", dataset)
    study.set_user_attr("epochs", epochs)
    return study


def objective(study_attrs: dict, trial: optuna.Trial) -> tuple[float, float]:
    from advisor.trial import TrialConfig, check_config, run_trial

    method = trial.suggest_categorical("method", list(METHODS))
    m = METHODS[method]
    # Ranks on a log scale: powers of two, as in the candidate grid.
    rank = 2 ** trial.suggest_int("log2_rank", 0, len(RANKS) - 1) if m.uses_rank else None
    targets = trial.suggest_categorical("targets", list(TARGETS)) if m.uses_targets else None
    lr = m.default_lr * trial.suggest_float("lr_scale", *LR_SCALE, log=True)
    config = canonical(method, rank, targets)
    trial_config = TrialConfig(model=study_attrs["model"], task=study_attrs["task"],
                               dataset=study_attrs["dataset"], epochs=study_attrs["epochs"],
                               method=config.method, rank=config.rank, targets=config.targets,
                               lr=lr)
    try:
        check_config(trial_config)
    except IncompatibleConfigError as exc:
        trial.set_constraint("refused", 1.0)  # infeasible: TPE steers away, no training spent
        trial.set_user_attr("refused", str(exc))
        return 0.0, float("inf")
    result = run_trial(trial_config)
    trial.set_constraint("refused", 0.0)
    trial.set_user_attr("result", result.model_dump(mode="json"))
    return result.accuracy_after, float(result.cost.memory.peak_bytes)


def _record_task_size(study: optuna.Study, task: str, dataset: str) -> None:
    """So that recommend needs no data loading."""
    if "target_train_size" not in study.user_attrs:
        from advisor.tasks import load_task

        data = load_task(task, dataset)
        study.set_user_attr("target_train_size", len(data.target.train))
        study.set_user_attr("num_classes", data.target.num_classes)


def search(model: str = "mobilenet_v3_small", task: str = "unseen", trials: int = DEFAULT_TRIALS,
           storage: str | None = None, name: str | None = None, dataset: str = "digits",
           epochs: int = TRIAL_EPOCHS, seed: int = 0,
           show_progress: bool | None = None,
           callbacks: list[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] | None = None,
           ) -> optuna.Study:
    """Run (or extend) a study by ``trials`` trials; finished trials are never repeated.
    ``callbacks`` are Optuna's, called after each trial (the TUI's progress display)."""
    from advisor import progress

    if trials < 1:
        raise AdvisorError(f"--trials must be >= 1, got {trials}")
    study = open_study(model, task, storage, name, dataset, epochs, seed)
    _record_task_size(study, task, dataset)
    attrs = dict(study.user_attrs)
    show = progress.enabled() if show_progress is None else show_progress
    logging.getLogger("optuna").setLevel(logging.WARNING)
    study.optimize(lambda t: objective(attrs, t), n_trials=trials, catch=(Exception,),
                   show_progress_bar=show, gc_after_trial=False, callbacks=callbacks)
    return study


def seed_study(results: list[dict], storage: str | None = None) -> dict[str, int]:
    """Add finished trial results (e.g. a benchmark's) to the studies they belong to, as if
    the study had run them, so ``recommend`` and the surrogate use them. Results a study could
    not have produced (rank or learning rate outside its space, other resolution, weights or
    seed) or already holds are skipped. Each study is opened and read once. Returns the number
    added per study."""
    from advisor.trial import TrialConfig

    # A study's trials differ only in these; anything else (resolution, weights...) would not
    # be comparable with them.
    study_defaults = TrialConfig().model_dump(exclude={"model", "task", "method", "rank",
                                                       "targets", "lr", "epochs", "dataset"})
    low, high = 1 / LR_SCALE[0] + 1e-4, LR_SCALE[1] + 1e-4  # slack: lr = default x scale
    groups: dict[tuple, list[dict]] = {}
    for result in results:
        c = result["config"]
        m = METHODS[c["method"]]
        if any(c.get(k) != v for k, v in study_defaults.items()):
            continue
        if m.uses_rank and c["rank"] not in RANKS:
            continue
        if not m.default_lr / low <= c["lr"] <= m.default_lr * high:
            continue
        groups.setdefault((c["model"], c["task"], c["dataset"], c["epochs"]), []).append(result)
    added: dict[str, int] = {}
    for (model, task, dataset, epochs), group in groups.items():
        study = open_study(model, task, storage, dataset=dataset, epochs=epochs)
        _record_task_size(study, task, dataset)
        held = {_result_key(r) for r in completed_results(study)}
        for result in group:
            if _result_key(result) in held:
                continue
            held.add(_result_key(result))
            study.add_trial(_as_trial(result))
            added[study.study_name] = added.get(study.study_name, 0) + 1
    return added


def _as_trial(result: dict) -> optuna.trial.FrozenTrial:
    """A trial result as the finished Optuna trial ``objective`` would have made of it."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    c = result["config"]
    m = METHODS[c["method"]]
    params: dict = {"method": c["method"]}
    dists: dict = {"method": CategoricalDistribution(list(METHODS))}
    if m.uses_rank:
        params["log2_rank"] = RANKS.index(c["rank"])
        dists["log2_rank"] = IntDistribution(0, len(RANKS) - 1)
    if m.uses_targets:
        params["targets"] = c["targets"]
        dists["targets"] = CategoricalDistribution(list(TARGETS))
    params["lr_scale"] = min(max(c["lr"] / m.default_lr, LR_SCALE[0]), LR_SCALE[1])
    dists["lr_scale"] = FloatDistribution(*LR_SCALE, log=True)
    return optuna.trial.create_trial(
        params=params, distributions=dists,
        values=[result["accuracy_after"], float(result["cost"]["memory"]["peak_bytes"])],
        user_attrs={"result": result, "seeded": True}, constraints={"refused": 0.0})


def _result_key(result: dict) -> tuple:
    c = result["config"]
    return (c["method"], c["rank"], c["targets"], round(c["lr"], 12), c["seed"],
            c["resolution"], c["batch_size"])


def completed_results(study: optuna.Study) -> list[dict]:
    """The TrialResult documents of every trial that trained (refused/failed ones excluded)."""
    return [t.user_attrs["result"] for t in study.get_trials(deepcopy=False)
            if t.state == optuna.trial.TrialState.COMPLETE and "result" in t.user_attrs]
