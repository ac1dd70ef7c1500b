"""Command-line flags made from the pydantic models' own fields, and the parser whose errors
are one line. The models validate; the flags only carry text to them."""

from __future__ import annotations

import argparse
import sys
import typing

from pydantic import BaseModel

from advisor.errors import validated


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def add_fields(p: argparse.ArgumentParser, model: type[BaseModel],
               fields: typing.Iterable[str] | None = None) -> None:
    """A flag per field: ``--batch-size`` for ``batch_size``, Literal values as choices, ints
    and floats parsed as such, the description and default as help. The model validates."""
    for name in fields or model.model_fields:
        info = model.model_fields[name]
        flag = "--" + name.replace("_", "-")
        shown = info.default not in (None, False) and "(default" not in (info.description or "")
        text = f"{info.description or name}" + (f" (default {info.default})" if shown else "")
        if info.annotation is bool:
            p.add_argument(flag, action="store_true", default=None, help=text)
            continue
        extra = info.json_schema_extra or {}
        if "metavar" in extra:  # a value of its own syntax (e.g. 'all' or a number)
            p.add_argument(flag, metavar=extra["metavar"], help=text)
            continue
        kinds = (info.annotation, *typing.get_args(info.annotation))
        options = [a for t in kinds if typing.get_origin(t) is typing.Literal
                   for a in typing.get_args(t)]
        number = next((t for t in kinds if t in (int, float)), None)
        p.add_argument(flag, choices=options or None, type=number, help=text)


def build(model: type[BaseModel], args: argparse.Namespace, what: str):
    """The model from the flags that were given; one line if invalid."""
    given = {f: getattr(args, f) for f in model.model_fields if getattr(args, f, None) is not None}
    return validated(model, given, what)
