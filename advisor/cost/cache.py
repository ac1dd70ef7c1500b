"""Exact device-scale costs of candidate configurations, computed once and kept on disk.

A fake-tensor profile takes about a second, so every candidate gets an exact cost rather than
a learned estimate. Each is kept batch-scaled (cost/scaling.py): one costing per (model,
resolution) serves every batch size exactly, so a recommendation for another device at the same
resolution needs no profiling at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from pathlib import Path
from typing import TypeVar

from advisor import progress
from advisor.config import Config, canonical_key
from advisor.cost.result import StepCost
from advisor.cost.scaling import BatchScaledCost
from advisor.paths import cache_dir
from advisor.userfiles import write_text

T = TypeVar("T")
VERSION = 5  # bump when the profiler's results or the keys change


SHIPPED = Path(__file__).parents[1] / "shipped" / f"costs-v{VERSION}.json"


def _path() -> Path:
    return cache_dir() / f"costs-v{VERSION}.json"


def _key(model: str, config: Config, resolution: int, num_classes: int, passes: int) -> str:
    return canonical_key({"model": model, "config": config.cost_config().model_dump(),
                          "resolution": resolution, "num_classes": num_classes,
                          "passes": passes})


_parsed: dict[Path, tuple[tuple[int, int], dict]] = {}


def _read(path: Path) -> dict:
    """The file's JSON, parsed once per version of the file (a recommendation reads the
    cache several times; the shipped file alone is most of a megabyte). Not to be mutated."""
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        if path not in _parsed or _parsed[path][0] != version:
            data = json.loads(path.read_text())
            _parsed[path] = (version, data if isinstance(data, dict) else {})
        return _parsed[path][1]
    except (OSError, ValueError):  # absent or damaged: rebuilt as configurations are profiled
        return {}


# remembered's (cost/screening.py, cost/model_facts.py): per model, then per their own key
TABLES = ("refusals", "parameters", "forward_peaks")


def _load() -> dict:
    """The user's cache over the shipped costs (both exact; the user's may hold more), as a
    new dict the caller may add to."""
    shipped, user = _read(SHIPPED), _read(_path())
    data = {**shipped, **user}
    for table in TABLES:
        merged = {model: dict(known) for model, known in shipped.get(table, {}).items()}
        for model, known in user.get(table, {}).items():
            merged.setdefault(model, {}).update(known)
        data[table] = merged
    return data


def _save(data: dict) -> None:
    write_text(_path(), json.dumps(data))


_recording: ContextVar[tuple[UsedCosts, ...]] = ContextVar("advisor_used_costs", default=())


class UsedCosts:
    """Records the cost keys ``costs`` reads while it is open (``with UsedCosts() as used:``),
    so that an export ships what those recommendations needed and nothing else: the caller
    says which work counts, not whatever this process happened to read before."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self._token: Token | None = None

    def __enter__(self) -> UsedCosts:
        self._token = _recording.set((*_recording.get(), self))
        return self

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _recording.reset(self._token)
            self._token = None

    def export(self, models: set[str], to: Path = SHIPPED) -> None:
        """Keep the recorded costs of ``models`` as the shipped costs
        (benchmarks/ship_evidence.py, after a recommendation for every shipped device, model
        and task), so that what else the machine's cache holds (a benchmark's costs at other
        resolutions) does not ship. A suggestion names other models, so every model's
        parameter count is kept."""
        data = _load()
        kept = {key: value for key, value in data.items()
                if key in self.keys and json.loads(key)["model"] in models}
        for table in TABLES:
            kept[table] = {m: known for m, known in data[table].items()
                           if m in models or table == "parameters"}
        write_text(to, json.dumps(kept, separators=(",", ":")))


def remembered(table: str, model: str, keys: Iterable[str],
               compute: Callable[[str], T]) -> dict[str, T]:
    """Per key, a per-model fact (a refusal, a parameter count) decided once on the meta
    device and kept with the costs, so that a recommendation on a shipped device builds no
    model (that alone imports torch). ``compute`` is called only for the keys not kept yet."""
    data = _load()
    known = data[table].setdefault(model, {})
    keys = list(keys)
    missing = [key for key in dict.fromkeys(keys) if key not in known]
    for key in missing:
        known[key] = compute(key)
    if missing:
        _save(data)
    return {key: known[key] for key in keys}


def costs(model: str, configs: list[Config], batch_size: int, resolution: int,
          num_classes: int) -> dict[Config, StepCost]:
    """Exact costs of ``configs`` at this batch size (each in its micro-batches, if it has
    them); missing profiles are made (with a progress bar) and saved."""
    from advisor.cost.scaling import accumulated

    data = _load()
    needs: dict[Config, tuple[str, ...]] = {}
    for c in configs:
        passes = (1, 2) if _micro(c, batch_size) else (1,)
        needs[c] = tuple(_key(model, c, resolution, num_classes, n) for n in passes)
    for recorder in _recording.get():
        recorder.keys.update(key for keys in needs.values() for key in keys)
    todo = {key: (c, n) for c in configs for n, key in enumerate(needs[c], 1)
            if key not in data}
    if todo:
        from advisor.cost.parallel import profiles, workers_for

        workers = workers_for(len(todo))
        what = (f"costing {len(todo)} configurations of {model} at {resolution} px (once"
                + (f", {workers} processes)" if workers > 1 else ")"))
        started, lines = time.perf_counter(), not progress.enabled() and len(todo) > 1
        if lines:  # off a terminal: a line per stage
            progress.note(what)
        saved = started
        with progress.progress_bar(len(todo), what) as advance:
            for key, c, scaled in profiles(model, todo, resolution, num_classes,
                                              workers):
                data[key] = scaled
                advance(1, f"costing {model} at {resolution} px: {c.label}")
                if time.perf_counter() - saved > 5:  # kept as it goes: a kill loses little
                    _save(data)
                    saved = time.perf_counter()
        _save(data)
        if lines:
            progress.note(f"costed {len(todo)} configurations of {model} in "
                          f"{time.perf_counter() - started:.0f} s")
    out = {}
    for c in configs:
        scaled = [BatchScaledCost.model_validate(data[key]) for key in needs[c]]
        out[c] = (accumulated(*scaled, batch_size, c.micro_batch) if len(scaled) == 2
                  else scaled[0].at(batch_size))
    return out


def _micro(config: Config, batch_size: int) -> bool:
    """Whether ``config`` splits this batch into micro-batches (it must divide it)."""
    if config.micro_batch is None or config.micro_batch >= batch_size:
        return False
    if batch_size % config.micro_batch:
        from advisor.errors import IncompatibleConfigError

        raise IncompatibleConfigError(f"micro-batch {config.micro_batch} does not divide the "
                                      f"batch of {batch_size}")
    return True
