"""A recipe: the configuration file ``recommend --export`` or the TUI writes, read back.

Only what an update needs is read (model, task, device, configuration); the rest of the
export (predicted costs, commands) is for people. A recipe fixes the configuration: a flag
that contradicts it is refused rather than silently preferred.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.devices.profile import DeviceProfile, list_devices, load_device
from advisor.errors import AdvisorError, validation_message
from advisor.userfiles import read_text


class Recipe(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str
    task: str | None = None
    device: str | None = None
    configuration: dict[str, Any]


def read_recipe(path: str | Path) -> Recipe:
    path = Path(path).expanduser()
    text = read_text(path, "recipe")
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise AdvisorError(f"recipe {path}: not valid {kind} ({str(exc).splitlines()[0]})") \
            from None
    if not isinstance(data, dict):
        raise AdvisorError(f"recipe {path}: not a recipe (advisor recommend --export writes one)")
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise AdvisorError(validation_message(f"recipe {path}", exc)) from None


def recipe_device(recipe: Recipe, path: str | Path) -> DeviceProfile | None:
    """The device the recipe was made for: the profile written beside it (a device that is
    not shipped), else the shipped one of that id; None if neither is there."""
    beside = Path(path).expanduser()
    beside = beside.with_name(f"{beside.stem}.device.toml")
    if beside.is_file():
        return load_device(str(beside))
    if recipe.device in {d.id for d in list_devices()}:
        return load_device(recipe.device)
    return None
