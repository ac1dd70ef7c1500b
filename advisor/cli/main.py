"""The ``advisor`` command: a thin layer over the Python API.

User mistakes end in one line on stderr and exit status 2 (argparse's own errors included);
``--json`` prints exactly one JSON document on stdout, progress goes to stderr. The flags of a
configuration, a trial and the constraints are made from the pydantic models' own fields
(name, choices, description, default), so the models and the CLI cannot disagree.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pydantic import ValidationError

from advisor import defaults
from advisor.cli.fields import Parser, add_fields, build
from advisor.decision.verdicts import PREFER_DEFAULT, PREFERENCES
from advisor.errors import AdvisorError, validation_message


def _cmd_devices(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_devices
    from advisor.devices.profile import list_devices

    devices = list_devices()
    if args.json:
        emit_json([d.model_dump(mode="json") for d in devices])
    else:
        print_devices(devices)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, table
    from advisor.zoo import MODELS

    if args.json:
        emit_json([{"name": s.name, "aliases": list(s.aliases), "family": s.family,
                    "scale": s.scale, "head": s.head, "blocks": s.block_count,
                    "description": s.description} for s in MODELS.values()])
        return 0
    table("Model zoo (torchvision builders; --depth K updates the last K blocks)",
          ["name", "aliases", "family", "blocks", "description"],
          [[s.name, ", ".join(s.aliases), s.family, s.block_count, s.description]
           for s in MODELS.values()])
    return 0


def _cmd_trial(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_trial
    from advisor.config import TrialConfig
    from advisor.training.host_memory import check_real_step
    from advisor.training.trial import run_trial

    shift_only = args.corruption is not None or args.severity is not None
    if (args.task or defaults.TASK) != "shift" and shift_only:
        raise AdvisorError("--corruption and --severity apply to --task shift only")
    config = build(TrialConfig, args, "trial")
    check_real_step(config.model, config, config.batch_size, config.resolution, "this trial")
    result = run_trial(config)
    if args.json:
        emit_json(result)
    else:
        print_trial(result)
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_step_cost
    from advisor.config import Config, check_scale
    from advisor.cost import profile_config
    from advisor.training.host_memory import check_real_step
    from advisor.training.trial import check_config

    check_scale(args.batch_size, args.resolution)
    if args.num_classes < 2:
        raise AdvisorError(f"--num-classes must be >= 2, got {args.num_classes}")
    config = build(Config, args, "profile")
    check_config(args.model, config)  # the method accepts the configuration on this model
    if args.real:
        check_real_step(args.model, config, args.batch_size, args.resolution, "this step",
                         args.num_classes)
    cost = profile_config(args.model, config, args.batch_size, args.resolution,
                          args.num_classes, fake=not args.real)
    if args.json:
        emit_json(cost)
    else:
        print_step_cost(cost)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_study
    from advisor.study.search import completed_results, search

    study = search(args.model, args.task, args.trials, args.storage, args.study, args.dataset,
                   jobs=args.jobs)
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


def _cmd_benchmark(args: argparse.Namespace) -> int:
    import shlex

    from advisor.cli.render import emit_json, print_benchmark
    from advisor.paper import QUICK, BenchmarkPlan, benchmark

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
    try:
        plan = BenchmarkPlan(**values)
    except ValidationError as exc:
        raise AdvisorError(validation_message("benchmark plan", exc)) from None
    command = "advisor " + shlex.join(sys.argv[1:] if args.argv is None else args.argv)
    report = benchmark(plan, args.out, command, args.seed_study, args.storage)
    if args.json:
        emit_json(report.model_dump(mode="json"))
    else:
        print_benchmark(report)
    return 0


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _cmd_tui(args: argparse.Namespace) -> int:
    from advisor.devices.profile import load_device
    from advisor.tui import run_tui
    from advisor.zoo import resolve_model

    device = load_device(args.device)  # bad input: one line before the screen opens
    resolve_model(args.model)
    if args.dataset is not None:
        from advisor.training.tasks import check_dataset

        check_dataset(args.dataset)
    if not _has_terminal():
        raise AdvisorError("advisor tui needs a terminal; for scripts use advisor recommend")
    run_tui(device=device, model=args.model, task=args.task, storage=args.storage,
            study=args.study, dataset=args.dataset)
    return 0


def _cmd_recommend(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_recommendation
    from advisor.decision.recommend import recommend
    from advisor.devices.profile import Constraints, load_device

    device = load_device(args.device)
    if args.export:
        from advisor.decision.export import check_targets

        check_targets(args.export, device)  # before the work, not after it
    result = recommend(device, args.model, args.task, build(Constraints, args, "constraints"),
                       args.batch_size, args.resolution, args.samples, args.storage, args.study,
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


def build_parser() -> argparse.ArgumentParser:
    from advisor.config import Config, TrialConfig
    from advisor.devices.profile import Constraints
    from advisor.paper import BenchmarkPlan

    parser = Parser(prog="advisor", description=(
        "Which parameter-efficient fine-tuning method fits your edge device?"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str,
                reports: bool = True):
        p = sub.add_parser(name, help=help, description=help)
        if reports:
            p.add_argument("--json", action="store_true", help="print one JSON document")
        p.set_defaults(handler=handler)
        return p

    def where(p: argparse.ArgumentParser, task: bool = True) -> None:
        p.add_argument("--model", default=defaults.MODEL,
                       help=f"name or alias, see advisor models (default {defaults.MODEL})")
        if task:
            p.add_argument("--task", choices=defaults.TASKS, default=defaults.TASK,
                           help=f"update scenario (default {defaults.TASK})")

    def data(p: argparse.ArgumentParser, default: str | None) -> None:
        p.add_argument("--dataset", default=default,
                       help="the data to study: digits (built-in), fashion-mnist[:DIR], "
                            "imagefolder:PATH or cifar10:PATH (default " + (
                                default or "the shipped Fashion-MNIST evidence where it covers "
                                           "the model and task, else digits") + ")")

    def study(p: argparse.ArgumentParser, what: str = "the study") -> None:
        p.add_argument("--storage", help=f"storage of {what}: a journal file path (many "
                                         "workers on one host; default: the cache's) or a "
                                         "database URL (postgresql://... for several hosts)")
        p.add_argument("--study", help="study name (default: model:task:dataset:epochs)")

    command("devices", _cmd_devices, "list the shipped device profiles")
    command("models", _cmd_models, "list the model zoo and its aliases")
    add_fields(command("trial", _cmd_trial,
                       "run one short real fine-tune and report accuracy before/after"),
               TrialConfig)

    p = command("profile", _cmd_profile,
                "exact FLOPs, peak memory and storage of one training step (no data needed)")
    where(p, task=False)
    add_fields(p, Config, Config.cost_fields() + Config.cost_fields("scale"))
    p.add_argument("--batch-size", type=int, default=defaults.COST_BATCH_SIZE,
                   help=f"default {defaults.COST_BATCH_SIZE}")
    p.add_argument("--resolution", type=int, default=defaults.COST_RESOLUTION,
                   help=f"px (default {defaults.COST_RESOLUTION})")
    p.add_argument("--num-classes", type=int, default=defaults.NUM_CLASSES,
                   help=f"head size (default {defaults.NUM_CLASSES})")
    p.add_argument("--real", action="store_true",
                   help="run a real step instead of fake tensors (same numbers, real memory)")

    p = command("search", _cmd_search, "run or extend an Optuna study of short real trials")
    where(p)
    p.add_argument("--trials", type=int, default=defaults.TRIALS,
                   help=f"trials to add (default {defaults.TRIALS})")
    p.add_argument("--jobs", type=int, default=1,
                   help="worker processes on this host sharing the trials (default 1); on "
                        "other hosts, run the same command with the same postgresql:// storage")
    data(p, defaults.DATASET)
    study(p)

    p = command("recommend", _cmd_recommend,
                "the best fine-tuning configuration that fits a device, explained")
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    where(p)
    add_fields(p, Constraints)
    p.add_argument("--batch-size", type=int, help="default: the device profile's")
    p.add_argument("--resolution", type=int, help="px (default: the device profile's)")
    p.add_argument("--samples", type=int,
                   help="training samples on the device (default: the task's)")
    p.add_argument("--prefer", choices=tuple(PREFERENCES), default=PREFER_DEFAULT,
                   help="among configurations the evidence cannot tell apart, the one needing "
                        f"the least of this (default {PREFER_DEFAULT}: RAM rules most updates "
                        "out)")
    data(p, None)
    study(p)
    p.add_argument("--export", metavar="FILE",
                   help="write the choice and the commands that reproduce it (.json, .toml, "
                        "or both without a suffix)")

    p = command("tui", _cmd_tui, "explore devices, constraints and recommendations "
                                 "interactively (press ? inside for keys)", reports=False)
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    where(p)
    data(p, None)
    study(p, "the studies")

    p = command("benchmark", _cmd_benchmark,
                "run the paper's measurements (accuracy, FLOPs, memory per method and rank) "
                "and write tables, plots and a report")
    plan = BenchmarkPlan().model_dump()
    for name in ("models", "methods", "ranks", "tasks"):
        p.add_argument(f"--{name}",
                       help=f"comma-separated (default {','.join(map(str, plan[name]))})")
    p.add_argument("--depths", "--depth", dest="depths",
                   help="update depths, comma-separated: all, half, quarter, last or a number "
                        f"of blocks (default {','.join(plan['depths'])})")
    add_fields(p, BenchmarkPlan, SCALAR_PLAN_FIELDS)
    p.add_argument("--quick", action="store_true",
                   help="mobilenet_v3_small + resnet18, every method, ranks 2,8, depths all and "
                        "quarter, task unseen, 2 epochs: minutes on 2 cores (flags above still "
                        "override)")
    p.add_argument("--out", default="report", help="output folder (default report/); runs "
                                                   "already there are not repeated")
    p.add_argument("--seed-study", action="store_true",
                   help="add the runs to the Optuna studies recommend --dataset uses")
    p.add_argument("--storage", help="Optuna storage URL for --seed-study")
    from advisor.cli import update_command  # advisor update and advisor evaluate

    update_command.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from advisor.quiet import quiet_third_party

    args = build_parser().parse_args(argv)
    args.argv = argv
    quiet_third_party()
    try:
        empty = [k for k, v in vars(args).items() if v == "" and k != "argv"]
        if empty:  # an empty value is a value (a typo, an unset shell variable), not unset
            raise AdvisorError(f"--{empty[0].replace('_', '-')} must not be empty")
        return args.handler(args)
    except AdvisorError as exc:
        sys.stderr.write(f"advisor: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        resume = {"search": "; finished trials are kept: run the same command to go on",
                  "benchmark": "; finished runs are kept: run the same command to go on",
                  "recommend": "; finished trials are kept: run the same command to go on",
                  "update": "; run the same command with --resume to go on from the last "
                            "checkpoint"}
        sys.stderr.write(f"advisor: interrupted{resume.get(args.command, '')}\n")
        return 130


