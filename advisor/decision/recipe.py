"""An exported choice (``recommend --export``, the TUI's export) read back: what an update runs.

The export is a user's file once written: edited by hand, renamed, truncated. It is read as
every user file is: one line naming the file and what is wrong with it, the configuration
validated by the same models that wrote it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.config import Config, TrialConfig
from advisor.devices.profile import DeviceProfile, load_device, load_profile_file
from advisor.errors import AdvisorError, validation_message
from advisor.userfiles import read_text


class Recipe(BaseModel):
    """The chosen configuration at the scale it was chosen for, and the device it is for."""

    model_config = ConfigDict(frozen=True)

    path: str
    device: DeviceProfile
    trial: TrialConfig  # model, task, configuration, epochs, batch size and resolution

    @property
    def config(self) -> Config:
        return Config(**{k: getattr(self.trial, k) for k in Config.model_fields})


def _document(path: Path) -> dict:
    text = read_text(path, "recipe")
    try:
        document = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AdvisorError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("configuration"), dict):
        raise AdvisorError(f"{path}: not an advisor export (no [configuration] table)")
    return document


def _device(path: Path, document: dict) -> DeviceProfile:
    beside = path.with_name(f"{path.stem}.device.toml")  # written for a device not shipped
    if beside.exists():
        return load_profile_file(beside)
    name = document.get("device")
    if not isinstance(name, str) or not name:
        raise AdvisorError(f"{path}: field 'device': a shipped device id is required")
    try:
        return load_device(name)
    except AdvisorError as exc:
        raise AdvisorError(f"{path}: {exc} (and no {beside.name} beside it)") from None


def read_recipe(path: str | Path) -> Recipe:
    """The export at ``path`` (.json or .toml); one line if it is not one."""
    path = Path(path).expanduser()
    if path.suffix not in (".json", ".toml"):
        raise AdvisorError(f"{path}: a recipe is the .json or .toml file an export wrote")
    document = _document(path)
    fields = {k: v for k, v in document["configuration"].items() if v is not None}
    for key in ("model", "task"):
        if key in document:
            fields[key] = document[key]
    try:
        trial = TrialConfig(**fields)
    except ValidationError as exc:
        raise AdvisorError(validation_message(str(path), exc)) from None
    except AdvisorError as exc:  # the models' own checks (an unknown method, a bad rank)
        raise AdvisorError(f"{path}: {exc}") from None
    return Recipe(path=str(path), device=_device(path, document), trial=trial)
