"""``advisor program``: a training program for a runtime without PyTorch (ExecuTorch), and
``--check`` of one against the same steps in PyTorch. Hooked in by parser.py."""

from __future__ import annotations

import argparse

from advisor import defaults
from advisor.cli.fields import add_fields
from advisor.program.support import FIELDS as FLAGS


def add_parser(sub: argparse._SubParsersAction) -> None:
    from advisor.config import TrialConfig
    from advisor.program.support import RUNTIME

    text = ("write the update as a training program a device runs without PyTorch "
            "(ExecuTorch: program.pte, its trainable weights program.ptd, manifest.json), or "
            "--check one against the same steps in PyTorch")
    p = sub.add_parser("program", help=text, description=text)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--runtime", choices=(RUNTIME,), default=RUNTIME,
                   help=f"the runtime the program is for (default {RUNTIME})")
    p.add_argument("--model", help="name or alias, see advisor models (default: the recipe's)")
    p.add_argument("--weights", default=defaults.WEIGHTS,
                   help="the model before the update: a state dict (.pt or .safetensors), "
                        f"builtin or imagenet (default {defaults.WEIGHTS})")
    p.add_argument("--recipe", metavar="FILE",
                   help="the configuration written by recommend --export (or the TUI)")
    add_fields(p, TrialConfig, [f for f in FLAGS if f != "resolution"])
    p.add_argument("--resolution", type=int,
                   help=f"input size in px, fixed in the program (default "
                        f"{defaults.COST_RESOLUTION}, a device's; a recipe's own)")
    p.add_argument("--classes", type=int,
                   help="outputs of the head the program trains (default: the weights' head, "
                        "kept; another number gives a new head)")
    p.add_argument("--lr", type=float,
                   help="SGD's learning rate in the program (momentum 0.9; default: a "
                        "recipe's, where its evidence trained with SGD, else "
                        f"{defaults.PROGRAM_LR}); with --check, the check's (default "
                        f"{defaults.PROGRAM_LR})")
    p.add_argument("--out", metavar="OUT", help="folder for the program")
    p.add_argument("--force", action="store_true",
                   help="write into OUT even if it holds files advisor did not write")
    p.add_argument("--check", metavar="OUT",
                   help="run OUT's program through ExecuTorch's Python bindings beside the "
                        "same steps in PyTorch; exit 1 if they differ or the loss does not fall")
    p.add_argument("--steps", type=int, default=defaults.PROGRAM_CHECK_STEPS,
                   help=f"with --check: optimizer steps (default {defaults.PROGRAM_CHECK_STEPS})")
    p.set_defaults(handler=run_program)


def run_program(args: argparse.Namespace) -> int:
    from advisor.cli.render import emit_json
    from advisor.errors import AdvisorError

    if args.check is not None:
        if args.out is not None:
            raise AdvisorError("--check reads a program; drop --out")
        from advisor.program.check import check_program

        report = check_program(args.check, args.steps, args.lr)
        if args.json:
            emit_json(report.model_dump(mode="json"))
        else:
            print_check(report)
        return 0 if report.agrees and report.learns else 1
    if args.out is None:
        raise AdvisorError("--out: which folder gets the program? (or --check OUT)")
    from advisor.program.job import program

    given = {f: getattr(args, f) for f in FLAGS if getattr(args, f) is not None}
    manifest = program(args.model, args.out, runtime=args.runtime, weights=args.weights,
                       recipe=args.recipe, config=given, classes=args.classes, lr=args.lr,
                       force=args.force)
    if args.json:
        emit_json(manifest.model_dump(mode="json"))
    else:
        print_program(manifest, args.out)
    return 0


def print_program(m, out: str) -> None:
    from advisor.cli.render import console
    from advisor.decision.explain import human_bytes

    mem = m.memory
    passes = f", {m.passes_per_step} passes per step" if m.passes_per_step > 1 else ""
    shape = "x".join(map(str, m.input_shape))
    lines = [
        f"[bold green]wrote {out}[/]: {m.model}, {m.label}, input {shape}"
        f"{passes}; {m.trainable_tensors} trainable tensors; exported in {m.export_seconds:.0f} s",
        f"planned arena {human_bytes(mem.arena_bytes)} (read from the program); program.pte "
        f"{human_bytes(mem.program_bytes)}, program.ptd {human_bytes(mem.trainable_bytes)}",
        f"RAM needed {human_bytes(mem.ram_needed_bytes)} (predicted: {mem.ram_needed_rule})",
        f"SGD lr {m.optimizer['lr']:g}; unlike advisor update: " + "; ".join(m.differences),
        f"check it: advisor program --check {out}",
    ]
    console.print("\n".join(lines), highlight=False)


def print_check(r) -> None:
    from advisor.cli.render import console

    verdict = "[green]agrees[/]" if r.agrees else "[red]differs[/]"
    learns = "[green]learns[/]" if r.learns else "[red]does not learn[/]"
    console.print(
        f"{r.steps} steps at SGD lr {r.lr:g}, program vs PyTorch: {verdict}; largest loss "
        f"difference {r.max_loss_difference:.2e}, largest first-step gradient difference "
        f"{r.max_first_gradient_difference:.2e}\n"
        f"loss {r.losses_program[0]:.4f} -> {r.losses_program[-1]:.4f} "
        f"({r.loss_drop:.0%} lower): {learns}", highlight=False)
