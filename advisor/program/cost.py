"""A configuration's training program at a device's scale, exported to read its memory plan,
and kept: exporting takes seconds to tens of seconds, so a recommendation exports only its
front-runners (advice.py) and a second question with the same scale exports nothing.

The weights are random: a program's memory plan depends on shapes, not values (the .pte's
size does a little: 2.6% apart from the builtin weights' on the one configuration
tests/program compares).
"""

from __future__ import annotations

import json
import tempfile
from importlib import metadata
from pathlib import Path

from advisor import progress
from advisor.config import Config, canonical_key
from advisor.paths import cache_dir
from advisor.program.manifest import ProgramMemory
from advisor.program.memory import predict
from advisor.program.support import passes
from advisor.userfiles import write_text
from advisor.zoo import resolve_model


def _path() -> Path:
    return cache_dir() / "program-memory-v1.json"


def _key(model: str, config: Config, batch_size: int, resolution: int, classes: int) -> str:
    return canonical_key({"model": model, "config": config.cost_config().model_dump(),
                          "batch_size": batch_size, "resolution": resolution,
                          "classes": classes, "executorch": metadata.version("executorch")})


def _read() -> dict:
    try:
        data = json.loads(_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):  # absent or damaged: programs are exported again
        return {}


def _export(model: str, config: Config, batch_size: int, resolution: int,
            classes: int) -> ProgramMemory:
    import torch

    from advisor.program.export import (
        export_pass,
        one_pass,
        planned_arena,
        trainable_bytes,
        write_trainable,
    )
    from advisor.updater.prepared import prepare
    from advisor.zoo import build_model

    spec = resolve_model(model)
    torch.manual_seed(0)
    net = prepare(build_model(spec, classes), config, architecture=spec.name, seed=0).module
    manager = export_pass(net, one_pass(batch_size, config.micro_batch, resolution),
                          f"{config.label} of {spec.name}")
    with tempfile.TemporaryDirectory() as folder:
        ptd = Path(folder) / "program.ptd"
        write_trainable(manager, ptd)
        trainable_file = ptd.stat().st_size
    return predict(planned_arena(manager), len(manager.buffer), trainable_file,
                   trainable_bytes(net), passes(batch_size, config.micro_batch))


def program_memory(model: str, config: Config, batch_size: int, resolution: int,
                   classes: int) -> ProgramMemory:
    """The memory of ``config``'s program at this scale: read back from an export, or kept
    from an earlier one."""
    name = resolve_model(model).name
    key = _key(name, config, batch_size, resolution, classes)
    known = _read()
    if key in known:  # the figures read back from the program; the rule applied today
        m = ProgramMemory.model_validate(known[key])
        return predict(m.arena_bytes, m.program_bytes, m.trainable_bytes,
                       m.optimizer_state_bytes, passes(batch_size, config.micro_batch))
    progress.note(f"exporting the ExecuTorch program of {config.label} ({batch_size} x "
                  f"{resolution} px) to read its memory plan (kept for later questions)")
    memory = _export(name, config, batch_size, resolution, classes)
    known = _read()  # another process may have added programs meanwhile
    known[key] = memory.model_dump()
    write_text(_path(), json.dumps(known))
    return memory
