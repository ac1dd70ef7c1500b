"""A chosen configuration as a file (JSON or TOML) and the commands that reproduce it.

Shared by ``advisor recommend --export`` and the TUI's export, so both write the same thing.
Every flag is written from the fields of the configuration and the constraints, so a new
field travels into the export and its commands by itself.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel

from advisor.devices import DeviceProfile, list_devices
from advisor.errors import AdvisorError
from advisor.options import Option, Recommendation


def flags(values: BaseModel, fields: tuple[str, ...] | None = None) -> list[str]:
    """``--field value`` for each set field (a true bool is a bare flag, as argparse takes it)."""
    argv: list[str] = []
    for name in fields or tuple(type(values).model_fields):
        value = getattr(values, name)
        if value is None or value is False:
            continue
        argv.append("--" + name.replace("_", "-"))
        if value is not True:
            argv.append(f"{value:.6g}" if isinstance(value, float) else str(value))
    return argv


def commands(result: Recommendation, option: Option, device_arg: str) -> dict[str, str]:
    """``recommend``: the same question; ``trial``: the accuracy measurement; ``profile``:
    the exact device-scale cost."""
    scale = ["--batch-size", str(option.batch_size), "--resolution", str(option.resolution)]
    where = ["--model", result.model]
    recommend = ["advisor", "recommend", "--device", device_arg, *where, "--task", result.task,
                 *scale, *flags(result.constraints)]
    trial = ["advisor", "trial", *where, "--task", result.task, *flags(option.as_config()),
             "--epochs", str(option.epochs)]
    profile = ["advisor", "profile", *where,
               *flags(option, option.cost_fields() + option.cost_fields("scale")), *scale]
    return {name: shlex.join(argv) for name, argv in
            (("recommend", recommend), ("trial", trial), ("profile", profile))}


def _drop_none(value: Any) -> Any:
    """TOML has no null."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


def device_file(device: DeviceProfile, path: str | Path) -> Path | None:
    """Where a device that is not in the shipped catalog is written beside the export (so
    ``--device`` can name it); None for a shipped device."""
    if {d.id: d for d in list_devices()}.get(device.id) == device:
        return None
    path = Path(path)
    return path.with_name(f"{path.stem}.device.toml")


def export_choice(result: Recommendation, option: Option, device: DeviceProfile,
                  path: str | Path) -> list[Path]:
    """Write ``path`` (.json or .toml; any other suffix: both). A device that is not in the
    shipped catalog is written beside it as ``<stem>.device.toml`` for ``--device``."""
    path = Path(path)
    written: list[Path] = []
    device_arg = device.id
    device_path = device_file(device, path)
    if device_path is not None:
        device_arg = str(device_path)
        written.append(_write(device_path, tomli_w.dumps(
            _drop_none(device.model_dump(mode="json")))))
    document = {
        "device": device.id, "device_name": device.name, "model": result.model,
        "task": result.task,
        "constraints": result.constraints.model_dump(mode="json"),
        "configuration": {**option.as_config().model_dump(mode="json"), "epochs": option.epochs,
                          "batch_size": option.batch_size, "resolution": option.resolution},
        "accuracy": {"predicted": option.predicted_accuracy, "error": option.accuracy_error,
                     "measured_in_study": option.best_trial_accuracy},
        "cost": {"peak_bytes": option.peak_bytes, "required_ram_bytes": option.required_ram_bytes,
                 "flops_per_step": option.flops_per_step, "storage_bytes": option.storage_bytes,
                 "flash_bytes": option.flash_bytes,
                 "update_seconds_estimate": option.update_seconds},
        "feasible": option.feasible,
        "violations": [v.model_dump(mode="json") for v in option.violations],
        "reason": option.reason,
        "commands": commands(result, option, device_arg),
    }
    suffixes = [path.suffix] if path.suffix in (".json", ".toml") else [".json", ".toml"]
    for suffix in suffixes:
        target = path.with_suffix(suffix) if path.suffix != suffix else path
        text = (json.dumps(document, indent=2) + "\n" if suffix == ".json"
                else tomli_w.dumps(_drop_none(document)))
        written.append(_write(target, text))
    return written


def _write(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise AdvisorError(f"cannot write {path}: {exc.strerror}") from None
    return path
