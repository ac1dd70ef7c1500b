"""The ``advisor`` command: parse, run the subcommand, turn a user's mistake into one line.

User mistakes end in one line on stderr and exit status 2 (argparse's own errors included);
``--json`` prints exactly one JSON document on stdout, progress goes to stderr.
"""

from __future__ import annotations

import sys

from advisor.cli.parser import build_parser
from advisor.errors import AdvisorError

__all__ = ["build_parser", "main"]

# commands that train: torch gets the cores free at their start (threads.py)
_TRAINING = {"trial", "search", "update", "benchmark"}
# commands whose processes set the heap behaviour RAM needed was fitted under (allocator.py;
# update sets it in its own job, for its Python callers too)
_FITTED_ALLOCATOR = {"trial", "search"}
_RESUME = {"search": "; finished trials are kept: run the same command to go on",
           "benchmark": "; finished runs are kept: run the same command to go on",
           "recommend": "; finished trials are kept: run the same command to go on",
           "update": "; run the same command with --resume to go on from the last checkpoint"}


def main(argv: list[str] | None = None) -> int:
    from advisor.quiet import quiet_third_party

    args = build_parser().parse_args(argv)
    args.argv = argv
    quiet_third_party()
    try:
        empty = [k for k, v in vars(args).items() if v == "" and k != "argv"]
        if empty:  # an empty value is a value (a typo, an unset shell variable), not unset
            raise AdvisorError(f"--{empty[0].replace('_', '-')} must not be empty")
        if args.command in _TRAINING:
            from advisor import threads

            threads.choose()
        if args.command in _FITTED_ALLOCATOR and not args.fast_allocator:
            from advisor import allocator

            allocator.use_fitted()
        return args.handler(args)
    except AdvisorError as exc:
        sys.stderr.write(f"advisor: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"advisor: interrupted{_RESUME.get(args.command, '')}\n")
        return 130
