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

from advisor import defaults
from advisor.decision.answer import Option, Recommendation
from advisor.devices.profile import DeviceProfile, list_devices
from advisor.errors import AdvisorError
from advisor.userfiles import MARK, check_replaceable, write_text


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
    data = ["--dataset", result.basis.dataset]
    recommend = ["advisor", "recommend", "--device", device_arg, *where, "--task", result.task,
                 *scale, *flags(result.constraints), "--prefer", result.prefer,
                 *([] if result.basis.shipped else data)]
    trial = ["advisor", "trial", *where, "--task", result.task, *data,
             *flags(option.as_config()), "--epochs", str(option.epochs),
             *[f for k, v in _optimizer(result).items() for f in (f"--{k}", v)]]
    profile = ["advisor", "profile", *where,
               *flags(option, option.cost_fields() + option.cost_fields("scale")), *scale]
    return {name: shlex.join(argv) for name, argv in
            (("recommend", recommend), ("trial", trial), ("profile", profile))}


def _optimizer(result: Recommendation) -> dict[str, str]:
    """The trials' optimizer where it is not AdamW (an ExecuTorch device's evidence): the
    trial command and the recipe carry it; AdamW's exports stay as they were."""
    optimizer = result.basis.optimizer
    return {} if optimizer == defaults.OPTIMIZER else {"optimizer": optimizer}


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


def targets(path: str | Path, device: DeviceProfile) -> list[Path]:
    """Every file an export to ``path`` writes: the device file (for a device that is not
    shipped), then ``path`` as .json and/or .toml."""
    path = Path(path)
    if path.suffix not in ("", ".json", ".toml"):  # a .yaml asked for neither of the two
        raise AdvisorError(f"cannot export to {path}: use a .json or .toml file, or a name "
                           "without a suffix for both")
    device_path = device_file(device, path)
    suffixes = [path.suffix] if path.suffix else [".json", ".toml"]
    return [*([device_path] if device_path else []),
            *(path.with_suffix(s) if path.suffix != s else path for s in suffixes)]


def check_targets(path: str | Path, device: DeviceProfile) -> None:
    """Before any work: refuse an export that would replace a file advisor did not write."""
    for target in targets(path, device):
        check_replaceable(target)


def export_choice(result: Recommendation, option: Option, device: DeviceProfile,
                  path: str | Path) -> list[Path]:
    """Write ``path`` (.json or .toml; no suffix: both; another suffix is refused). A device
    that is not in the shipped catalog is written beside it as ``<stem>.device.toml`` for
    ``--device``. Files are written atomically, and only over files an earlier export wrote."""
    check_targets(path, device)
    files = targets(path, device)
    device_path = device_file(device, path)
    device_arg = device.id
    texts: list[str] = []
    if device_path is not None:
        device_arg = str(device_path)
        texts.append(f"# {MARK} (recommend --export): the device profile used\n"
                     + tomli_w.dumps(_drop_none(device.model_dump(mode="json"))))
    document = {
        "written_by": f"{MARK} (recommend --export)",
        "device": device.id, "device_name": device.name, "model": result.model,
        "task": result.task,
        "constraints": result.constraints.model_dump(mode="json"),
        "configuration": {**option.as_config().model_dump(mode="json"), "epochs": option.epochs,
                          "batch_size": option.batch_size, "resolution": option.resolution,
                          **_optimizer(result)},
        "accuracy": {"predicted": option.predicted_accuracy,
                     "interval_90_half_width": option.accuracy_error,
                     "measured_in_study": option.measured_accuracy,
                     "measured_runs": option.measured_runs,
                     "at_device_resolution": None if option.confirmed is None
                     else option.confirmed.model_dump(mode="json")},
        "cost": {"peak_bytes": option.peak_bytes, "required_ram_bytes": option.required_ram_bytes,
                 "required_ram_rule": device.memory().describe(),
                 "flops_per_step": option.flops_per_step, "storage_bytes": option.storage_bytes,
                 "flash_bytes": option.flash_bytes,
                 "update_seconds_estimate": option.update_seconds},
        "environment": device.memory().environment,  # for a process advisor does not start
        "feasible": option.feasible,
        "violations": [v.model_dump(mode="json") for v in option.violations],
        "reason": option.reason,
        "commands": commands(result, option, device_arg),
    }
    for target in files[len(texts):]:
        texts.append(json.dumps(document, indent=2) + "\n" if target.suffix == ".json"
                     else f"# {MARK} (recommend --export)\n"
                     + tomli_w.dumps(_drop_none(document)))
    return [write_text(target, text) for target, text in zip(files, texts, strict=True)]
