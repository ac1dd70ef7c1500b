"""User-facing errors.

Every mistake a user can make (unknown device, bad file, impossible combination) raises
``AdvisorError``; the CLI turns it into one line on stderr and exit status 2, so nothing a
user types ever ends in a traceback. Anything else escaping is a bug in advisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class AdvisorError(Exception):
    """A problem with the user's input, explained in one line."""

    exit_code = 2


class IncompatibleConfigError(AdvisorError):
    """A method/rank/target combination that cannot work on this model (refused before training)."""


def validated(model: type[M], data: Mapping[str, Any], source: str) -> M:
    """``model`` validated from ``data``; if invalid, an AdvisorError of one line naming the
    first bad field and ``source`` (a file, a flag group, a form)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AdvisorError(validation_message(source, exc)) from None


def validation_message(source: str, error: ValidationError) -> str:
    """One line naming the first bad field of a pydantic ValidationError."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(value)"
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return f"{source}: field '{field}': {first['msg']}{more}"


def known(value: str, choices: list[str], what: str) -> str:
    """``value`` if it is one of ``choices``, else the one-line error every caller gives."""
    if value not in choices:
        raise AdvisorError(f"unknown {what} '{value}'; choose one of: {', '.join(choices)}")
    return value
