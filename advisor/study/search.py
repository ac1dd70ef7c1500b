"""The Optuna study: short real trials over the configuration space (space.py).

Objectives: maximise target accuracy and minimise the trial's measured peak memory, so the
study spreads its trials along the accuracy/memory front, which is what devices of different
sizes need (a pruner would not apply: pruners are single-objective). A combination the method
refuses (e.g. LoRA rank not divisible by the groups of a depthwise conv) costs no training: it
is marked infeasible through Optuna's constraints, so TPE learns to avoid it. A trial that
crashes is recorded as failed with its reason and the study goes on; a user error (a dataset
path that does not exist) stops the search at once, since every trial would fail alike.

Storage: an Optuna journal file in advisor's cache by default (any number of workers on one
host: ``jobs``, see workers.py); a database URL otherwise (PostgreSQL for workers on several
hosts, each running the same search). Reading a study (``open_study(create=False)``) never
writes it. The first trials measure the baselines a user would compare against (full,
LoRA r8, head-only at all blocks), the next ones distinct configurations of the candidate grid
in a seeded order (opening.py), then the untried candidates the surrogate rates highest
(next_candidate.py), TPE the rest; before a process ends, the candidate most worth trying
(value_of_information.py) and repeats of the front-runners (repeats.py). Draws are seeded per
trial number (sampler.py): one process with one seed always draws the same sequence; parallel
or resumed workers never replay each other's draws.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

import optuna

from advisor import defaults, space
from advisor.config import Config, TrialConfig
from advisor.devices.profile import DeviceProfile, load_device
from advisor.errors import AdvisorError, IncompatibleConfigError, known
from advisor.study import repeats, value_of_information
from advisor.study.dead_workers import fail_dead_workers, worker_mark
from advisor.study.next_candidate import Draws, model_grid, untried_baselines
from advisor.study.sampler import TrialSeededSampler
from advisor.study.storage import (
    NoStudy,
    check_concurrent,
    default_storage,
    storage_errors,
    storage_for,
)
from advisor.study.trials import completed_results, record_task_size
from advisor.zoo import resolve_model


class TrialFault(Exception):
    """A trial that crashed for a reason of its own; recorded as failed, the study goes on."""


def study_name(model: str, task: str, dataset: str = defaults.DATASET,
               epochs: int = defaults.EPOCHS, optimizer: str = defaults.OPTIMIZER) -> str:
    """AdamW's studies keep the name they had before a study could have another optimizer."""
    suffix = "" if optimizer == defaults.OPTIMIZER else f":{optimizer}"
    return f"{resolve_model(model).name}:{task}:{dataset}:e{epochs}{suffix}"


def open_study(model: str, task: str, storage: str | None = None, name: str | None = None,
               dataset: str = defaults.DATASET, epochs: int = defaults.EPOCHS,
               seed: int = defaults.SEED, create: bool = True,
               optimizer: str = defaults.OPTIMIZER) -> optuna.Study:
    """The study of (model, task, dataset, epochs, optimizer). ``create``: make it if missing
    and record what it studies (the search's path); otherwise open an existing one
    read-only. ``optimizer`` "sgd": trials train as an ExecuTorch program does
    (methods/executorch_training.py), a study of its own."""
    known(optimizer, list(defaults.OPTIMIZERS), "optimizer")
    url = storage or default_storage()
    name = name or study_name(model, task, dataset, epochs, optimizer)
    storage = storage_for(url, create)
    sampler = TrialSeededSampler(seed, Draws(resolve_model(model).name, seed,
                                             optimizer=optimizer))
    try:
        with storage_errors(url):
            if not create:
                study = optuna.load_study(study_name=name, storage=storage,
                                          sampler=sampler)
            else:
                study = optuna.create_study(study_name=name, storage=storage,
                                            sampler=sampler,
                                            directions=["maximize", "minimize"],
                                            load_if_exists=True)
    except KeyError:
        raise NoStudy(f"no study '{name}' in {url}; run 'advisor search' first") from None
    wanted = {"model": resolve_model(model).name, "task": task, "dataset": dataset,
              "epochs": epochs, "optimizer": optimizer}
    if not study.user_attrs and create:  # new: remember what it studies
        for key, value in wanted.items():
            study.set_user_attr(key, value)
    held = {"optimizer": defaults.OPTIMIZER, **study.user_attrs}  # older studies: AdamW's
    mixed = {k: held[k] for k in ("model", "task", "dataset", "optimizer")
             if k in held and held[k] != wanted[k]}
    if mixed:  # e.g. --study naming a study of another task: its trials would not compare
        held = ", ".join(f"{k} {v}" for k, v in mixed.items())
        raise AdvisorError(f"study '{name}' holds trials of {held}, not "
                           + ", ".join(f"{k} {wanted[k]}" for k in mixed)
                           + "; choose another --study")
    return study


def objective(study_attrs: dict, trial: optuna.Trial) -> tuple[float, float]:
    from advisor.training.trial import check_config, run_trial

    trial.set_user_attr("worker", worker_mark(trial.number))
    config = space.suggest(trial, study_attrs["model"])
    trial_config = TrialConfig(**config.model_dump(), model=study_attrs["model"],
                               task=study_attrs["task"], dataset=study_attrs["dataset"],
                               epochs=study_attrs["epochs"], seed=repeats.seed_of(trial),
                               optimizer=study_attrs.get("optimizer", defaults.OPTIMIZER))
    try:
        check_config(trial_config.model, trial_config)
    except IncompatibleConfigError as exc:
        trial.set_constraint("refused", 1.0)  # infeasible: TPE steers away, no training spent
        trial.set_user_attr("refused", str(exc))
        return 0.0, float("inf")
    try:
        result = run_trial(trial_config)
    except AdvisorError:
        raise  # the user's input: every trial would fail the same way
    except Exception as exc:
        reason = traceback.format_exception_only(exc)[-1].strip()
        trial.set_user_attr("error", reason)
        raise TrialFault(reason) from exc
    trial.set_constraint("refused", 0.0)
    trial.set_user_attr("result", result.model_dump(mode="json"))
    return result.accuracy_after, float(result.cost.memory.peak_bytes)


def search(model: str = defaults.MODEL, task: str = defaults.TASK,
           trials: int = defaults.TRIALS, storage: str | None = None, name: str | None = None,
           dataset: str = defaults.DATASET, epochs: int = defaults.EPOCHS,
           seed: int = defaults.SEED, show_progress: bool | None = None,
           callbacks: list[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] | None = None,
           jobs: int = 1, optimizer: str = defaults.OPTIMIZER,
           devices: list[str | DeviceProfile] | None = None) -> optuna.Study:
    """Run (or extend) a study by ``trials`` trials; finished trials are never repeated.
    ``callbacks`` are Optuna's, called after each trial (the TUI's progress display).
    ``jobs``: worker processes on this host sharing the trials (workers.py). ``devices``
    (shipped ids or profile paths): the devices the evidence is for; the repeats then
    confirm each one's front-runners (repeats.py). The study stays one for any device."""
    from advisor import progress
    from advisor.study import workers

    if trials < 1:
        raise AdvisorError(f"--trials must be >= 1, got {trials}")
    if jobs < 1:
        raise AdvisorError(f"--jobs must be >= 1, got {jobs}")
    for device in devices or []:
        load_device(device)  # an unknown device stops the search before anything is made
    from advisor.training.protocol import check_resolution
    from advisor.training.tasks import check_dataset

    check_dataset(dataset)  # before a study is made for it
    check_resolution(model, defaults.TRIAL_RESOLUTION)  # the resolution its trials run at
    check_concurrent(storage or default_storage(), jobs)
    study = open_study(model, task, storage, name, dataset, epochs, seed,
                       optimizer=optimizer)
    record_task_size(study, task, dataset)
    fail_dead_workers(study)
    show = progress.enabled() if show_progress is None else show_progress
    if jobs == 1:
        run_trials(study, trials, show, callbacks, targets=_targets(study, devices))
    else:
        workers.run_parallel(run_share, dict(model=model, task=task, storage=storage,
                                             name=name, dataset=dataset, epochs=epochs,
                                             seed=seed, optimizer=optimizer,
                                             devices=devices), trials, jobs, show)
    return study


def run_trials(study: optuna.Study, trials: int, show_progress: bool = False,
               callbacks: list[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]]
               | None = None,
               trial_objective: Callable[[optuna.Trial], tuple[float, float]] | None = None,
               candidates: list[Config] | None = None,
               targets: list[repeats.Fits] | None = None) -> None:
    """This process's share of a search: ``trials`` trials on an opened study, front-runners
    re-run under new seeds where due (repeats.py), the candidate most worth trying just before
    (value_of_information.py; ``candidates``: the grid it is drawn from, by default the
    model's; ``targets``: whether a configuration fits each device the search is for, so that
    the surrogate's draws and the repeats serve each one). ``trial_objective`` replaces the
    fine-tune (benchmarks/regret.py looks trials up in a measured grid instead)."""
    attrs = dict(study.user_attrs)
    run = trial_objective or (lambda t: objective(attrs, t))
    left, grid = [trials], candidates or []
    if isinstance(draws := getattr(study.sampler, "fixed", None), Draws):
        draws.targets = list(targets or ())  # the draws of its trials serve them too

    def queue_extra(study: optuna.Study) -> None:
        """The trial queued before the sampler draws, if any: none while a baseline is
        untried (they come before anything else), then the candidate worth trying or a
        front-runner's repeat where due."""
        if not grid:
            grid.extend(model_grid(attrs["model"],
                                   attrs.get("optimizer", defaults.OPTIMIZER)))
        if untried_baselines(study, attrs["model"], grid):
            return
        if value_of_information.due(study, left[0], trials) and \
                value_of_information.queue_worth_trying(study, attrs["model"], grid,
                                                        attrs["num_classes"]):
            return
        if repeats.due(study, left[0], trials):
            repeats.queue_front_runner(study, targets or ())

    def after_trial(study: optuna.Study, _: optuna.trial.FrozenTrial) -> None:
        left[0] -= 1
        if left[0] > 0:
            queue_extra(study)

    queue_extra(study)
    lines = [] if show_progress else [trial_line(trials)]  # off a terminal: a line per trial
    study.optimize(run, n_trials=trials, catch=(TrialFault,),
                   show_progress_bar=show_progress, gc_after_trial=False,
                   callbacks=[after_trial, *lines, *(callbacks or [])])


def trial_line(trials: int) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    """An Optuna callback writing one line per finished trial (where no bar is shown)."""
    from advisor import progress

    done = [0]

    def line(_: optuna.Study, t: optuna.trial.FrozenTrial) -> None:
        done[0] += 1
        result, attrs = t.user_attrs.get("result"), t.user_attrs
        what = (f"{TrialConfig.model_validate(result['config']).label}: accuracy "
                f"{result['accuracy_after']:.1%}" if result else
                f"refused: {attrs['refused']}" if "refused" in attrs else
                f"failed: {attrs.get('error', t.state.name.lower())}")
        seconds = (t.datetime_complete - t.datetime_start).total_seconds() \
            if t.datetime_complete and t.datetime_start else 0.0
        progress.note(f"trial {done[0]}/{trials} (#{t.number}): {what.strip()} "
                      f"({seconds:.0f} s)")
    return line


def run_share(study_args: dict, trials: int,
              after_each: Callable[[optuna.Study, optuna.trial.FrozenTrial], None]) -> None:
    """A worker process's share of a parallel search (workers.py calls it by name)."""
    args = dict(study_args)
    devices = args.pop("devices", None)
    study = open_study(**args)
    run_trials(study, trials, callbacks=[after_each], targets=_targets(study, devices))


def _targets(study: optuna.Study,
             devices: list[str | DeviceProfile] | None) -> list[repeats.Fits]:
    from advisor.study.device_targets import device_targets

    return device_targets(study.user_attrs["model"], devices or [],
                          study.user_attrs["num_classes"])


def seed_study(results: list[dict], storage: str | None = None) -> dict[str, int]:
    """Add finished trial results (e.g. a benchmark's) to the studies they belong to, as if
    the study had run them, so ``recommend`` and the surrogate use them. Results a study could
    not have produced (rank or learning rate outside its space, other resolution, weights or
    seed) or already holds are skipped. Each study is opened and read once. Returns the number
    added per study."""
    # A study's trials differ only in the searched configuration and the seed: anything else
    # (resolution, weights...) would not be comparable with them.
    fixed = TrialConfig().model_dump(exclude={"model", "task", "dataset", "epochs", "seed",
                                              *Config.model_fields})
    groups: dict[tuple, list[dict]] = {}
    for result in results:
        config = TrialConfig.model_validate(result["config"])
        if config.model_dump(include=set(fixed)) != fixed or not space.in_space(config,
                                                                                config.model):
            continue
        groups.setdefault((config.model, config.task, config.dataset, config.epochs,
                           config.optimizer), []).append(result)
    added: dict[str, int] = {}
    for (model, task, dataset, epochs, optimizer), group in groups.items():
        study = open_study(model, task, storage, dataset=dataset, epochs=epochs,
                           optimizer=optimizer)
        record_task_size(study, task, dataset)
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
    config = TrialConfig.model_validate(result["config"])
    params, dists = space.trial_params(config, config.model)
    return optuna.trial.create_trial(
        params=params, distributions=dists,
        values=[result["accuracy_after"], float(result["cost"]["memory"]["peak_bytes"])],
        user_attrs={"result": result, "seeded": True, "seed": config.seed},
        constraints={"refused": 0.0})


def _result_key(result: dict) -> str:
    return TrialConfig.model_validate(result["config"]).key()
