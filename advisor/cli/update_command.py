"""``advisor update`` and ``advisor evaluate``: the user's own model and images.

Kept apart from main.py, which hooks them in with ``add_parsers``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from advisor import defaults
from advisor.cli.allocator_flag import add_fast_allocator
from advisor.cli.fields import add_fields, build
from advisor.decision.verdicts import PREFER_DEFAULT, PREFERENCES

RUN_FIELDS = ("method", "rank", "targets", "lr", "depth", "micro_batch", "checkpointing",
              "epochs", "batch_size", "seed")  # the configuration's flags, as trial's


def _update_parser(sub: argparse._SubParsersAction) -> None:
    from advisor.config import TrialConfig
    from advisor.devices.profile import Constraints

    text = ("update a model on your own labelled images and write the updated model "
            "(update.safetensors, model.safetensors, a peft adapter for LoRA/DoRA, "
            "manifest.json)")
    p = sub.add_parser("update", help=text, description=text)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--model", help="name or alias, see advisor models (default: the recipe's)")
    p.add_argument("--weights", default=defaults.WEIGHTS,
                   help="the model before the update: a state dict (.pt or .safetensors, e.g. "
                        "a previous update's model.safetensors), builtin or imagenet "
                        f"(default {defaults.WEIGHTS})")
    p.add_argument("--images", required=True, metavar="DIR",
                   help="DIR/train/<class>/ and DIR/val/<class>/, or DIR/<class>/ (split by "
                        "--val-fraction); every class is an update class")
    p.add_argument("--out", required=True, metavar="OUT", help="folder for the outputs")
    p.add_argument("--recipe", metavar="FILE",
                   help="the configuration written by recommend --export (or the TUI)")
    p.add_argument("--device", help="recommend the configuration for this device first (shipped "
                                    "id or .toml); with configuration flags: check they fit it")
    add_fields(p, Constraints)
    p.add_argument("--prefer", choices=tuple(PREFERENCES), default=None,
                   help=f"with --device, as recommend's (default {PREFER_DEFAULT})")
    add_fields(p, TrialConfig, RUN_FIELDS)
    p.add_argument("--resolution", type=int,
                   help="input size in px (default: the one advisor's model.safetensors was "
                        f"updated at, else {defaults.COST_RESOLUTION})")
    p.add_argument("--task", choices=defaults.TASKS,
                   help="shift keeps the model's head, unseen gives a new one for the classes "
                        "found (default: shift where the head has the images' classes)")
    p.add_argument("--val-fraction", type=float,
                   help="with DIR/<class>/: the part of each class kept for validation "
                        "(default 0.2)")
    p.add_argument("--resume", action="store_true",
                   help="go on from the last checkpoint in OUT (same command otherwise)")
    p.add_argument("--force", action="store_true",
                   help="write into OUT even if it holds files advisor did not write, and "
                        "even if the update will not fit in memory")
    add_fast_allocator(p)  # the manifest says which allocator ran
    p.set_defaults(handler=run_update)


def _evaluate_parser(sub: argparse._SubParsersAction) -> None:
    text = "accuracy of a model (e.g. an update's model.safetensors) on labelled images"
    p = sub.add_parser("evaluate", help=text, description=text)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--model", required=True, help="name or alias, see advisor models")
    p.add_argument("--weights", required=True,
                   help="a state dict (.pt or .safetensors), builtin or imagenet")
    p.add_argument("--images", required=True, metavar="DIR",
                   help="DIR/val/<class>/ if there is one, else DIR/<class>/ (all of it, or "
                        "the validation part of --val-fraction)")
    p.add_argument("--resolution", type=int,
                   help="px (default: the one advisor's model.safetensors records)")
    p.add_argument("--val-fraction", type=float,
                   help="evaluate only the validation part an update with this fraction kept")
    p.add_argument("--batch-size", type=int, default=32, help="default 32")
    p.set_defaults(handler=run_evaluate)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    _update_parser(sub)
    _evaluate_parser(sub)


def run_update(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json, print_recommendation
    from advisor.devices.profile import Constraints
    from advisor.updater.job import update
    from advisor.updater.runner import Interrupted

    given = {f: getattr(args, f) for f in (*RUN_FIELDS, "resolution")
             if getattr(args, f) is not None}
    shown: dict[str, Any] = {}

    def recommended(result) -> None:
        shown["recommendation"] = result.recommendation
        if not args.json:
            print_recommendation(result)

    try:
        manifest = update(args.model, args.images, args.out, weights=args.weights,
                          recipe=args.recipe, device=args.device,
                          constraints=build(Constraints, args, "constraints"), config=given,
                          task=args.task, val_fraction=args.val_fraction, resume=args.resume,
                          force=args.force, prefer=args.prefer, on_recommendation=recommended,
                          fitted_allocator=not args.fast_allocator)
    except Interrupted as stop:
        sys.stderr.write(f"advisor: interrupted; {stop.epochs_done} of {stop.epochs} epochs are "
                         f"kept in {args.out}: run the same command with --resume to go on\n")
        return 130
    if args.json:
        emit_json({**manifest.model_dump(mode="json"), **shown})
    else:
        print_update(manifest)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json
    from advisor.updater.evaluation import evaluate

    result = evaluate(args.model, args.weights, args.images, resolution=args.resolution,
                      val_fraction=args.val_fraction, batch_size=args.batch_size)
    if args.json:
        emit_json(result)
    else:
        print_evaluation(result, args.images)
    return 0


def _accuracy(e) -> str:
    low, high = e.interval
    return f"{e.accuracy:.1%} (90%: {low:.1%}-{high:.1%}) on {e.images} images"


def print_update(m) -> None:
    from advisor.cli.render import console
    from advisor.decision.explain import human_bytes

    rss = m.memory.measured_peak_rss_bytes
    lines = [
        f"[bold green]updated {m.model}[/]: {m.label}, {m.epochs} epochs, {m.steps} steps, "
        f"task {m.task} ({m.chosen_by}); {m.train_seconds:.1f} s of training",
        f"accuracy before {_accuracy(m.accuracy_before)}",
        f"accuracy after  {_accuracy(m.accuracy_after)}",
        f"peak RSS {human_bytes(rss) if rss is not None else 'not measured'}; RAM needed "
        f"{human_bytes(m.memory.ram_needed_bytes)} (predicted)",
        f"update.safetensors {m.storage.update_bytes:,} bytes (predicted "
        f"{m.storage.predicted_bytes:,})",
        "wrote " + ", ".join(f for f in m.files if "/" not in f)
        + (", adapter/ (peft)" if m.peft else ""),
    ]
    console.print("\n".join(lines), highlight=False)


def print_evaluation(e, images: str) -> None:
    from advisor.cli.render import console, table

    table(f"Accuracy on {images}", ["class", "images", "correct", "accuracy"],
          [[c.name, c.images, c.correct, "-" if c.accuracy is None else f"{c.accuracy:.1%}"]
           for c in e.per_class])
    console.print(f"accuracy {_accuracy(e)}", highlight=False)
