"""What each subcommand does with its parsed arguments: a thin layer over the Python API.

A user's mistake raises AdvisorError (main.py turns it into one line), and numbers are bounded
before any work. Results go to stdout as a table or one JSON document (render.py); while the
work runs, stdout is stderr, so nothing a library prints lands in them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from advisor import defaults
from advisor.cli.fields import build
from advisor.errors import AdvisorError, validated


@contextlib.contextmanager
def _work() -> Iterator[None]:
    """stdout goes to stderr, for Python's writes and for the file descriptor (C code, worker
    processes): torch's "Downloading ..." line must not land in a JSON document."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout to protect
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()  # what a holder of the real stdout wrote goes to stderr too
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _bounded(flag: str, value: int, high: int) -> None:
    if not 1 <= value <= high:
        raise AdvisorError(f"{flag} must be 1..{high}, got {value}")


def _check_rank(model: str, rank: int | None) -> None:
    from advisor.zoo import check_rank, resolve_model

    if rank is not None:
        check_rank(rank, [resolve_model(model)])


def cmd_devices(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_devices
    from advisor.devices.profile import list_devices

    devices = list_devices()
    if args.json:
        emit_json([d.model_dump(mode="json") for d in devices])
    else:
        print_devices(devices)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, table
    from advisor.models.catalogue import markdown, rows

    found = rows()
    if args.json:
        emit_json(found)
        return 0
    if args.markdown:
        print(markdown(found), end="")
        return 0
    table("Models (--depth K updates the last K blocks; also timm:NAME and "
          "package.module:factory)",
          ["name", "aliases", "family", "blocks", "params", "shipped evidence"],
          [[r["name"], ", ".join(r["aliases"]), r["family"],
            f"{r['blocks']}{' (depth all only)' if r['depths'] == 'all' else ''}",
            f"{r['params'] / 1e6:.2f}M", ", ".join(r["evidence"]) or "-"]
           for r in found if r["refused"] is None])
    refused = [f"{r['name']}: {r['refused']}" for r in found if r["refused"] is not None]
    if refused:
        print("refused: " + "; ".join(refused))
    return 0


def cmd_trial(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_trial
    from advisor.config import TrialConfig
    from advisor.training.host_memory import check_real_step
    from advisor.training.protocol import check_batch
    from advisor.training.trial import run_trial

    shift_only = args.corruption is not None or args.severity is not None
    if (args.task or defaults.TASK) != "shift" and shift_only:
        raise AdvisorError("--corruption and --severity apply to --task shift only")
    config = build(TrialConfig, args, "trial")
    _check_rank(config.model, config.rank)
    check_batch(config.model, config.method, config.batch_size, config.micro_batch,
                config.resolution)
    check_real_step(config.model, config, config.batch_size, config.resolution, "this trial")
    with _work():
        result = run_trial(config)
    if args.json:
        emit_json(result)
    else:
        print_trial(result)
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_step_cost
    from advisor.config import Config, check_scale
    from advisor.cost import profile_config
    from advisor.training.host_memory import check_real_step
    from advisor.training.protocol import check_batch
    from advisor.training.trial import check_config

    check_scale(args.batch_size, args.resolution)
    if not 2 <= args.num_classes <= defaults.MAX_NUM_CLASSES:
        raise AdvisorError(f"--num-classes must be 2..{defaults.MAX_NUM_CLASSES}, got "
                           f"{args.num_classes}")
    config = build(Config, args, "profile")
    check_config(args.model, config)  # the method accepts the configuration on this model
    _check_rank(args.model, config.rank)
    check_batch(args.model, config.method, args.batch_size, config.micro_batch, args.resolution)
    if args.real:
        check_real_step(args.model, config, args.batch_size, args.resolution, "this step",
                         args.num_classes)
    with _work():
        cost = profile_config(args.model, config, args.batch_size, args.resolution,
                              args.num_classes, fake=not args.real)
    if args.json:
        emit_json(cost)
    else:
        print_step_cost(cost)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_study
    from advisor.study.search import search
    from advisor.study.trials import completed_results
    from advisor.training.tasks import check_dataset, load_task

    _bounded("--trials", args.trials, defaults.MAX_TRIALS)
    _bounded("--epochs", args.epochs, defaults.MAX_EPOCHS)
    if not 1 <= args.jobs <= defaults.MAX_JOBS:
        raise AdvisorError(f"--jobs must be 1..{defaults.MAX_JOBS} (worker processes on this "
                           f"host; other hosts join with the same postgresql:// storage), got "
                           f"{args.jobs}")
    check_dataset(args.dataset, args.task)
    if args.dataset.startswith("imagefolder:"):  # every image decoded before a study opens
        load_task(args.task, args.dataset)  # (read once: the search reuses it)
    with _work():
        study = search(args.model, args.task, args.trials, args.storage, args.study,
                       args.dataset, args.epochs, jobs=args.jobs, optimizer=args.optimizer,
                       devices=args.devices)
    results = completed_results(study)
    states: dict[str, int] = {}
    for t in study.trials:
        states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
    best = sorted(results, key=lambda r: -r["accuracy_after"])[:5]
    if args.json:
        emit_json({"study": study.study_name, "trials": len(study.trials), "states": states,
                   "best": best})
    else:
        print_study(study.study_name, len(study.trials), states, best)
    return 0


SCALAR_PLAN_FIELDS = ("targets", "epochs", "cost_batch_size", "cost_resolution")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def cmd_benchmark(args: argparse.Namespace) -> int:
    import shlex

    from advisor.cli.render import emit_json, print_benchmark
    from advisor.paper import QUICK, BenchmarkPlan, benchmark
    from advisor.training.protocol import check_batch, check_resolution

    values = (QUICK if args.quick else BenchmarkPlan()).model_dump()
    values.update({k: getattr(args, k) for k in SCALAR_PLAN_FIELDS
                   if getattr(args, k) is not None})
    values.update({k: _csv(getattr(args, k)) for k in ("models", "methods", "tasks", "depths")
                   if getattr(args, k) is not None})
    if args.ranks is not None:
        try:
            values["ranks"] = [int(r) for r in _csv(args.ranks)]
        except ValueError:
            raise AdvisorError(f"--ranks takes integers like 1,2,4, got '{args.ranks}'") from None
    plan = validated(BenchmarkPlan, values, "benchmark plan")
    plan.check_ranks()
    for model in plan.models:
        check_resolution(model, plan.trial_resolution)
        for method in plan.methods:
            check_batch(model, method, plan.cost_batch_size, None, plan.cost_resolution,
                        "--cost-batch-size")
    command = "advisor " + shlex.join(sys.argv[1:] if args.argv is None else args.argv)
    with _work():
        report = benchmark(plan, args.out, command, args.seed_study, args.storage)
    if args.json:
        emit_json(report.model_dump(mode="json"))
    else:
        print_benchmark(report)
    return 0


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_tui(args: argparse.Namespace) -> int:
    from advisor.devices.profile import load_device
    from advisor.tui import run_tui
    from advisor.zoo import resolve_model

    device = load_device(args.device)  # bad input: one line before the screen opens
    resolve_model(args.model)
    if args.dataset is not None:
        from advisor.training.tasks import check_dataset

        check_dataset(args.dataset, args.task)
    if not _has_terminal():
        raise AdvisorError("advisor tui needs a terminal; for scripts use advisor recommend")
    run_tui(device=device, model=args.model, task=args.task, storage=args.storage,
            study=args.study, dataset=args.dataset)
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_recommendation
    from advisor.decision.recommend import recommend
    from advisor.devices.profile import Constraints, load_device

    device = load_device(args.device)
    if args.runtime is not None:
        device = device.model_copy(update={"runtime": args.runtime})
    answer = recommend
    if device.runtime_name == "executorch":  # what a training program can run, its RAM
        from advisor.program.advice import recommend_program

        answer = recommend_program
    if args.export:
        from advisor.decision.export import check_targets

        check_targets(args.export, device)  # before the work, not after it
    constraints = build(Constraints, args, "constraints")
    if args.dataset is not None:
        from advisor.training.tasks import check_dataset

        check_dataset(args.dataset, args.task)  # an image folder's files and class sizes
    with _work():
        result = answer(device, args.model, args.task, constraints, args.batch_size,
                        args.resolution, args.samples, args.storage, args.study,
                        prefer=args.prefer, dataset=args.dataset)
    if args.export and result.recommendation is not None:
        from advisor.decision.export import export_choice

        for path in export_choice(result, result.recommendation, device, args.export):
            sys.stderr.write(f"wrote {path}\n")
    if args.json:
        emit_json({"recommendation": result.recommendation, **result.model_dump(
            mode="json", exclude={"recommendation"})})
    else:
        print_recommendation(result)
    return 0 if result.recommendation is not None else 1
