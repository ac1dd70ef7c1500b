"""The ``advisor`` command line: one function per subcommand's flags, so each reads alone.

The flags of a configuration, a trial and the constraints are made from the pydantic models'
own fields (fields.py), so the models and the CLI cannot disagree.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from advisor import defaults
from advisor.cli import commands
from advisor.cli.allocator_flag import add_fast_allocator
from advisor.cli.fields import Parser, add_fields
from advisor.decision.verdicts import PREFER_DEFAULT, PREFERENCES

Subparsers = argparse._SubParsersAction  # argparse names no public type for it


def _command(sub: Subparsers, name: str, handler: Callable[[argparse.Namespace], int],
             help: str, reports: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help)
    if reports:
        p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=handler)
    return p


def _where(p: argparse.ArgumentParser, task: bool = True) -> None:
    p.add_argument("--model", default=defaults.MODEL,
                   help=f"name or alias, see advisor models (default {defaults.MODEL})")
    if task:
        p.add_argument("--task", choices=defaults.TASKS, default=defaults.TASK,
                       help=f"update scenario (default {defaults.TASK})")


def _data(p: argparse.ArgumentParser, default: str | None) -> None:
    p.add_argument("--dataset", default=default,
                   help="the data to study: digits (built-in), fashion-mnist[:DIR], "
                        "imagefolder:PATH (a folder per class; an image that cannot be read "
                        "is refused, not skipped) or cifar10:PATH (default " + (
                            default or "the shipped Fashion-MNIST evidence where it covers "
                                       "the model and task, else digits") + ")")


def _study(p: argparse.ArgumentParser, what: str = "the study") -> None:
    p.add_argument("--storage", help=f"storage of {what}: a journal file path (many "
                                     "workers on one host; default: the cache's) or a "
                                     "database URL (postgresql://... for several hosts)")
    p.add_argument("--study", help="study name (default: model:task:dataset:epochs)")


def _add_profile(sub: Subparsers) -> None:
    from advisor.config import Config

    p = _command(sub, "profile", commands.cmd_profile,
                 "exact FLOPs, peak memory and storage of one training step (no data needed)")
    _where(p, task=False)
    add_fields(p, Config, Config.cost_fields() + Config.cost_fields("scale"))
    p.add_argument("--batch-size", type=int, default=defaults.COST_BATCH_SIZE,
                   help=f"default {defaults.COST_BATCH_SIZE}")
    p.add_argument("--resolution", type=int, default=defaults.COST_RESOLUTION,
                   help=f"px (default {defaults.COST_RESOLUTION})")
    p.add_argument("--num-classes", type=int, default=defaults.NUM_CLASSES,
                   help=f"head size (default {defaults.NUM_CLASSES})")
    p.add_argument("--real", action="store_true",
                   help="run a real step instead of fake tensors (same numbers, real memory)")


def _add_search(sub: Subparsers) -> None:
    p = _command(sub, "search", commands.cmd_search,
                 "run or extend an Optuna study of short real trials")
    _where(p)
    p.add_argument("--trials", type=int, default=defaults.TRIALS,
                   help=f"trials to add (default {defaults.TRIALS})")
    p.add_argument("--epochs", type=int, default=defaults.EPOCHS,
                   help=f"fine-tuning epochs of each trial (default {defaults.EPOCHS}); a "
                        "study's trials all have the same, and its default name says which")
    p.add_argument("--jobs", type=int, default=1,
                   help="worker processes on this host sharing the trials (default 1); on "
                        "other hosts, run the same command with the same postgresql:// storage")
    p.add_argument("--optimizer", choices=defaults.OPTIMIZERS, default=defaults.OPTIMIZER,
                   help="adamw (advisor update's, default) or sgd: trials train as an "
                        "ExecuTorch program does, the evidence of recommend --runtime "
                        "executorch (a study of its own)")
    p.add_argument("--device", action="append", dest="devices", metavar="DEVICE",
                   help="a device the evidence is for (shipped id or .toml path; repeat for "
                        "several): the search's repeats confirm the front-runners that fit "
                        "each, not only the most accurate, which may fit none")
    add_fast_allocator(p)
    _data(p, defaults.DATASET)
    _study(p)


def _add_recommend(sub: Subparsers) -> None:
    import typing

    from advisor.devices.profile import Constraints
    from advisor.devices.runtime import Runtime

    p = _command(sub, "recommend", commands.cmd_recommend,
                 "the best fine-tuning configuration that fits a device, explained")
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    _where(p)
    add_fields(p, Constraints)
    p.add_argument("--batch-size", type=int, help="default: the device profile's")
    p.add_argument("--resolution", type=int, help="px (default: the device profile's)")
    p.add_argument("--samples", type=int,
                   help="training samples on the device (default: the task's)")
    p.add_argument("--runtime", choices=typing.get_args(Runtime),
                   help="what runs the update on the device (default: the profile's); "
                        "executorch ranks what a training program can run, its RAM from the "
                        "front-runners' exported programs (advisor program)")
    p.add_argument("--prefer", choices=tuple(PREFERENCES), default=PREFER_DEFAULT,
                   help="among configurations the evidence cannot tell apart, the one needing "
                        f"the least of this (default {PREFER_DEFAULT}: RAM rules most updates "
                        "out)")
    _data(p, None)
    _study(p)
    p.add_argument("--export", metavar="FILE",
                   help="write the choice and the commands that reproduce it: a .json or "
                        ".toml FILE, or both for a FILE without a suffix (any other suffix is "
                        "refused)")


def _add_tui(sub: Subparsers) -> None:
    p = _command(sub, "tui", commands.cmd_tui, "explore devices, constraints and "
                 "recommendations interactively (press ? inside for keys)", reports=False)
    p.add_argument("--device", default="jetson-nano", help="shipped id or a .toml path")
    _where(p)
    _data(p, None)
    _study(p, "the studies")


def _add_benchmark(sub: Subparsers) -> None:
    from advisor.paper import BenchmarkPlan

    p = _command(sub, "benchmark", commands.cmd_benchmark,
                 "run the paper's measurements (accuracy, FLOPs, memory per method and rank) "
                 "and write tables, plots and a report")
    plan = BenchmarkPlan().model_dump()
    for name in ("models", "methods", "ranks", "tasks"):
        p.add_argument(f"--{name}",
                       help=f"comma-separated (default {','.join(map(str, plan[name]))})")
    p.add_argument("--depths", "--depth", dest="depths",
                   help="update depths, comma-separated: all, half, quarter, last or a number "
                        f"of blocks (default {','.join(plan['depths'])})")
    add_fields(p, BenchmarkPlan, commands.SCALAR_PLAN_FIELDS)
    p.add_argument("--quick", action="store_true",
                   help="mobilenet_v3_small + resnet18, every method, ranks 2,8, depths all and "
                        "quarter, task unseen, 2 epochs: minutes on 2 cores (flags above still "
                        "override)")
    p.add_argument("--out", default="report", help="output folder (default report/); runs "
                                                   "already there are not repeated")
    p.add_argument("--seed-study", action="store_true",
                   help="add the runs to the Optuna studies recommend --dataset uses")
    p.add_argument("--storage", help="Optuna storage URL for --seed-study")


def build_parser() -> argparse.ArgumentParser:
    from advisor.config import TrialConfig

    parser = Parser(prog="advisor", description=(
        "Which parameter-efficient fine-tuning method fits your edge device?"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _command(sub, "devices", commands.cmd_devices, "list the shipped device profiles")
    models = _command(sub, "models", commands.cmd_models,
                      "list the models: advisor's own, then torchvision's classification CNNs")
    models.add_argument("--markdown", action="store_true",
                        help="the table as markdown (the README's model table)")
    trial = _command(sub, "trial", commands.cmd_trial,
                     "run one short real fine-tune and report accuracy before/after")
    add_fields(trial, TrialConfig)
    add_fast_allocator(trial)
    _add_profile(sub)
    _add_search(sub)
    _add_recommend(sub)
    _add_tui(sub)
    _add_benchmark(sub)
    from advisor.cli import update_command  # advisor update and advisor evaluate

    update_command.add_parsers(sub)
    from advisor.cli import program_command  # advisor program

    program_command.add_parser(sub)
    return parser
