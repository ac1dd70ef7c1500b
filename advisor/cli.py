"""The ``advisor`` command: a thin layer over the Python API.

User mistakes end in one line on stderr and exit status 2 (argparse's own errors included);
``--json`` prints exactly one JSON document on stdout, progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pydantic import ValidationError

from advisor.errors import AdvisorError, validation_message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def _cmd_devices(args: argparse.Namespace) -> int:
    from advisor.devices import list_devices
    from advisor.report import emit_json, human_bytes, table

    devices = list_devices()
    if args.json:
        emit_json([d.model_dump(mode="json") for d in devices])
        return 0
    table("Device catalog (--device takes an id or a path to your own .toml)",
          ["id", "name", "usable RAM / total", "storage", "training GFLOP/s (est.)"],
          [[d.id, d.name, f"{human_bytes(d.usable_ram)} / {human_bytes(d.ram)}",
            human_bytes(d.storage), f"{d.compute.training_gflops:g}"] for d in devices])
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from advisor.report import emit_json, table
    from advisor.zoo import MODELS

    if args.json:
        emit_json([{"name": s.name, "aliases": list(s.aliases), "family": s.family,
                    "head": s.head, "description": s.description} for s in MODELS.values()])
        return 0
    table("Model zoo (torchvision builders)", ["name", "aliases", "family", "description"],
          [[s.name, ", ".join(s.aliases), s.family, s.description] for s in MODELS.values()])
    return 0


def _trial_config(args: argparse.Namespace):
    from advisor.trial import TrialConfig

    fields = ("model", "task", "method", "rank", "targets", "epochs", "lr", "batch_size",
              "resolution", "seed", "weights", "dataset", "corruption", "severity")
    values = {f: getattr(args, f) for f in fields if getattr(args, f, None) is not None}
    try:
        return TrialConfig(**values)
    except ValidationError as exc:
        raise AdvisorError(validation_message("trial", exc)) from None


def _cmd_trial(args: argparse.Namespace) -> int:
    from advisor.report import emit_json, table
    from advisor.trial import run_trial

    result = run_trial(_trial_config(args))
    if args.json:
        emit_json(result)
        return 0
    c = result.config
    rank = f" rank {c.rank}" if c.rank is not None else ""
    table(f"Trial: {c.method}{rank} ({c.targets}) on {c.model}, task {c.task}",
          ["measure", "value"],
          [["source accuracy (pretrained)", f"{result.source_accuracy:.1%}"],
           ["target accuracy before", f"{result.accuracy_before:.1%}"],
           ["target accuracy after", f"{result.accuracy_after:.1%}"],
           ["trainable / total params",
            f"{result.params_trainable:,} / {result.params_total:,} "
            f"({result.params_trainable / result.params_total:.2%})"],
           ["optimizer steps", result.steps],
           ["fine-tune time (host)", f"{result.train_seconds:.1f} s"],
           ["wall time", f"{result.wall_seconds:.1f} s"]])
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from advisor.cost import profile_config
    from advisor.report import emit_json, human_bytes, human_count, table
    from advisor.trial import check_config

    if args.batch_size < 1 or not 8 <= args.resolution <= 512 or args.num_classes < 2:
        raise AdvisorError("need --batch-size >= 1, --resolution 8..512, --num-classes >= 2")
    config = _trial_config(args)  # validates and resolves model, method, rank, targets
    check_config(config)
    report = profile_config(config.model, config.method, config.rank, config.targets,
                            args.batch_size, args.resolution, args.num_classes,
                            fake=not args.real)
    if args.json:
        emit_json(report)
        return 0
    f, m = report.flops, report.memory
    rank = f" rank {report.rank}" if report.rank is not None else ""
    table(f"One training step: {report.method}{rank} ({report.targets}) on {report.model}, "
          f"batch {report.batch_size} at {report.resolution} px ({report.mode} tensors, "
          f"{report.seconds:.1f} s)", ["cost", "value"],
          [["FLOPs forward / backward / optimizer",
            f"{human_count(f.forward)} / {human_count(f.backward)} / {human_count(f.optimizer)}"],
           ["FLOPs total", human_count(f.total, "FLOP")],
           ["peak memory (true simultaneous)", human_bytes(m.peak_bytes)],
           ["  at the peak: params / buffers / grads",
            f"{human_bytes(m.params)} / {human_bytes(m.buffers)} / {human_bytes(m.grads)}"],
           ["  at the peak: optimizer / activations / temp",
            f"{human_bytes(m.optimizer)} / {human_bytes(m.activations)} / {human_bytes(m.temp)}"],
           ["sum of category maxima (study's bound)", human_bytes(m.sum_of_category_maxima)],
           ["parameters trainable / total",
            f"{report.params.trainable:,} / {report.params.total:,}"],
           ["storage to flash (safetensors)", human_bytes(report.storage_bytes)]])
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from advisor.report import emit_json, table
    from advisor.search import completed_results, search

    study = search(args.model, args.task, args.trials, args.storage, args.study)
    results = completed_results(study)
    states = {}
    for t in study.trials:
        states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
    best = sorted(results, key=lambda r: -r["accuracy_after"])[:5]
    if args.json:
        emit_json({"study": study.study_name, "trials": len(study.trials), "states": states,
                   "best": best})
        return 0
    table(f"Study {study.study_name}: {len(study.trials)} trials "
          f"({', '.join(f'{v} {k}' for k, v in states.items())})",
          ["method", "rank", "targets", "lr", "accuracy after", "peak (trial scale)"],
          [[r["config"]["method"], r["config"]["rank"] or "-", r["config"]["targets"],
            f"{r['config']['lr']:.2g}", f"{r['accuracy_after']:.1%}",
            f"{r['cost']['memory']['peak_bytes'] / 2**20:.1f} MiB"] for r in best])
    return 0


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _cmd_benchmark(args: argparse.Namespace) -> int:
    import shlex

    from advisor.benchmark import QUICK, BenchmarkPlan, benchmark
    from advisor.report import emit_json, table

    base = QUICK if args.quick else BenchmarkPlan()
    lists = {k: _csv(getattr(args, k)) for k in ("models", "methods", "tasks")
             if getattr(args, k) is not None}
    given = {**lists, "targets": args.targets,
             "epochs": args.epochs, "cost_batch_size": args.cost_batch_size,
             "cost_resolution": args.cost_resolution}
    if args.ranks is not None:
        try:
            given["ranks"] = [int(r) for r in _csv(args.ranks)]
        except ValueError:
            raise AdvisorError(f"--ranks takes integers like 1,2,4, got '{args.ranks}'") from None
    try:
        plan = BenchmarkPlan(**{**base.model_dump(),
                                **{k: v for k, v in given.items() if v is not None}})
    except ValidationError as exc:
        raise AdvisorError(validation_message("benchmark plan", exc)) from None
    command = "advisor " + shlex.join(sys.argv[1:] if args.argv is None else args.argv)
    report = benchmark(plan, args.out, command, args.seed_study, args.storage)
    if args.json:
        emit_json(report.model_dump(mode="json"))
        return 0
    table(f"advisor benchmark: {report.runs} runs ({report.executed} run now, "
          f"{report.failed} failed, {report.refused} refused) -> {report.out}",
          ["claim", "verdict on our data"],
          [[c.claim, c.verdict] for c in report.claims])
    for f in report.files:
        print(f"wrote {f}")
    for name, n in report.seeded.items():
        print(f"seeded study {name} with {n} trials")
    return 0


def _cmd_tui(args: argparse.Namespace) -> int:
    from advisor.devices import load_device
    from advisor.space import TASKS
    from advisor.tui import run_tui
    from advisor.zoo import resolve_model

    device = load_device(args.device)  # bad input: one line before the screen opens
    resolve_model(args.model)
    if args.task not in TASKS:
        raise AdvisorError(f"unknown task '{args.task}'; choose one of: {', '.join(TASKS)}")
    run_tui(device=device, model=args.model, task=args.task, storage=args.storage,
            study=args.study)
    return 0


def _constraints(args: argparse.Namespace):
    from advisor.devices import Constraints

    try:
        return Constraints(max_memory=args.max_memory, max_update_time=args.max_update_time,
                           max_storage=args.max_storage, min_accuracy=args.min_accuracy)
    except ValidationError as exc:
        raise AdvisorError(validation_message("constraints", exc)) from None


def _cmd_recommend(args: argparse.Namespace) -> int:
    from advisor.devices import load_device
    from advisor.recommend import recommend
    from advisor.report import emit_json, print_recommendation

    device = load_device(args.device)
    result = recommend(device, args.model, args.task, _constraints(args), args.batch_size,
                       args.resolution, args.samples, args.storage, args.study)
    if args.export and result.recommendation is not None:
        from advisor.export import export_choice

        for path in export_choice(result, result.recommendation, device, args.export):
            sys.stderr.write(f"wrote {path}\n")
    if args.json:
        emit_json({"recommendation": result.recommendation, **result.model_dump(
            mode="json", exclude={"recommendation"})})
    else:
        print_recommendation(result)
    return 0 if result.recommendation is not None else 1


def _add_trial_arguments(p: argparse.ArgumentParser) -> None:
    from advisor.methods import METHODS, TARGET_POLICIES
    from advisor.space import TASKS

    p.add_argument("--model", default="mobilenet_v3_small", help="name or alias (advisor models)")
    p.add_argument("--task", choices=TASKS, default="unseen")
    p.add_argument("--method", choices=list(METHODS), default="lora")
    p.add_argument("--rank", type=int, help="adapter / projection rank (default 8)")
    p.add_argument("--targets", choices=list(TARGET_POLICIES), default="no-depthwise",
                   help="layers adapted by lora/dora/galore")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float, help="learning rate (default: the method's)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--resolution", type=int, help="input size in px (default 32)")
    p.add_argument("--seed", type=int)
    p.add_argument("--weights", help="builtin (default), imagenet, or a state-dict file")
    p.add_argument("--dataset", help="digits (built-in), imagefolder:PATH or cifar10:PATH")
    p.add_argument("--corruption", help="shift task: corruption name or 'mixed'")
    p.add_argument("--severity", type=int, help="shift task: 1..5")


def build_parser() -> argparse.ArgumentParser:
    from advisor.methods import METHODS, TARGET_POLICIES
    from advisor.space import TASKS

    parser = _Parser(prog="advisor", description=(
        "Which parameter-efficient fine-tuning method fits your edge device?"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str,
                reports: bool = True):
        p = sub.add_parser(name, help=help, description=help)
        if reports:
            p.add_argument("--json", action="store_true", help="print one JSON document")
        p.set_defaults(handler=handler)
        return p

    command("devices", _cmd_devices, "list the shipped device profiles")
    command("models", _cmd_models, "list the model zoo and its aliases")
    _add_trial_arguments(command("trial", _cmd_trial,
                                 "run one short real fine-tune and report accuracy before/after"))
    p = command("profile", _cmd_profile,
                "exact FLOPs, peak memory and storage of one training step (no data needed)")
    p.add_argument("--model", default="mobilenet_v3_small", help="name or alias")
    p.add_argument("--method", choices=list(METHODS), default="lora")
    p.add_argument("--rank", type=int, help="adapter / projection rank (default 8)")
    p.add_argument("--targets", choices=list(TARGET_POLICIES), default="no-depthwise")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--num-classes", type=int, default=5, help="head size (default 5)")
    p.add_argument("--real", action="store_true",
                   help="run a real step instead of fake tensors (same numbers, real memory)")
    p = command("search", _cmd_search, "run or extend an Optuna study of short real trials")
    p.add_argument("--model", default="mobilenet_v3_small", help="name or alias")
    p.add_argument("--task", choices=TASKS, default="unseen")
    p.add_argument("--trials", type=int, default=24, help="trials to add (default 24)")
    p.add_argument("--storage", help="Optuna storage URL (default: SQLite in the cache)")
    p.add_argument("--study", help="study name (default: model:task:dataset:epochs)")

    p = command("recommend", _cmd_recommend,
                "the best fine-tuning configuration that fits a device, explained")
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    p.add_argument("--model", default="mobilenet_v3_small", help="name or alias")
    p.add_argument("--task", choices=TASKS, default="unseen")
    p.add_argument("--max-memory", help="e.g. 1.5GiB (default: the device's usable RAM)")
    p.add_argument("--max-update-time", type=float, help="seconds")
    p.add_argument("--max-storage", help="bytes written to flash, e.g. 2MB")
    p.add_argument("--min-accuracy", type=float, help="0..1")
    p.add_argument("--batch-size", type=int, help="default: the device profile's")
    p.add_argument("--resolution", type=int, help="default: the device profile's")
    p.add_argument("--samples", type=int, help="training samples on the device (default: task)")
    p.add_argument("--storage", help="Optuna storage URL of the study")
    p.add_argument("--study", help="study name")
    p.add_argument("--export", metavar="FILE",
                   help="write the choice and the commands that reproduce it (.json, .toml, "
                        "or both without a suffix)")

    p = command("tui", _cmd_tui, "explore devices, constraints and recommendations "
                                 "interactively (press ? inside for keys)", reports=False)
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    p.add_argument("--model", default="mobilenet_v3_small", help="name or alias")
    p.add_argument("--task", choices=TASKS, default="unseen")
    p.add_argument("--storage", help="Optuna storage URL of the studies")
    p.add_argument("--study", help="study name")

    p = command("benchmark", _cmd_benchmark,
                "run the study (accuracy, FLOPs, memory per method and rank) and write "
                "tables, plots and a report")
    p.add_argument("--models", help="comma-separated (default mobilenet_v2,mobilenet_v3_small,"
                                    "resnet18)")
    p.add_argument("--methods", help=f"comma-separated (default all: {','.join(METHODS)})")
    p.add_argument("--ranks", help="comma-separated (default 1,2,4,8,16,32)")
    p.add_argument("--tasks", help="comma-separated (default shift,unseen)")
    p.add_argument("--targets", choices=list(TARGET_POLICIES),
                   help="layers adapted by lora/dora/galore (default no-depthwise)")
    p.add_argument("--epochs", type=int, help="fine-tuning epochs per run (default 4)")
    p.add_argument("--cost-batch-size", type=int, help="batch size of the cost (default 32)")
    p.add_argument("--cost-resolution", type=int, help="px of the cost (default 224)")
    p.add_argument("--quick", action="store_true",
                   help="mobilenet_v3_small + resnet18, every method, ranks 2,8, task unseen, "
                        "2 epochs: a few minutes on 2 cores (flags above still override)")
    p.add_argument("--out", default="report", help="output folder (default report/); runs "
                                                   "already there are not repeated")
    p.add_argument("--seed-study", action="store_true",
                   help="add the runs to the Optuna studies recommend uses")
    p.add_argument("--storage", help="Optuna storage URL for --seed-study")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.handler(args)
    except AdvisorError as exc:
        sys.stderr.write(f"advisor: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("advisor: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
