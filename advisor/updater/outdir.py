"""OUT/, the folder an update writes: never over a file advisor did not write.

Binary outputs cannot carry advisor's mark in their first line (and update.safetensors must
hold exactly the tensors the cost model counts, not a byte more), so OUT/run.json, which
does carry it, lists every file the update wrote with its sha256; a file is advisor's when
it is listed there with that content. It also holds what identifies the run (configuration,
weights, images) and how far it got, for ``--resume``. Every file is written atomically
(beside, then renamed), so a kill leaves the old file or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.userfiles import MARK, check_replaceable, write_text

LEDGER = "run.json"
OUTPUTS = ("update.safetensors", "model.safetensors", "manifest.json", "adapter",
           "checkpoint.pt", LEDGER)
_TEMPORARY = re.compile(r"^\.(?P<name>[^/]+)\.tmp\d+$")  # what a killed write leaves


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class OutDir:
    def __init__(self, path: str | Path, outputs: tuple[str, ...] = OUTPUTS,
                 command: str = "update") -> None:
        self.path = Path(path).expanduser()
        self.outputs = outputs  # the names a killed write of this command may leave
        self.command = command
        self.ledger: dict[str, Any] = {}

    def _read_ledger(self) -> dict[str, Any] | None:
        target = self.path / LEDGER
        if not target.exists():
            return None
        try:
            check_replaceable(target)
            return json.loads(target.read_text(encoding="utf-8"))
        except (AdvisorError, ValueError):
            return None

    def _ours(self, rel: str, ledger: dict[str, Any]) -> bool:
        first = rel.split("/", 1)[0]
        temporary = _TEMPORARY.match(first)
        if temporary and temporary["name"] in self.outputs:
            return True
        if rel == LEDGER:
            return True
        listed = ledger.get("files", {})
        return rel in listed and listed[rel] in (None, sha256(self.path / rel))

    def check(self, force: bool) -> dict[str, Any] | None:
        """Refuse an OUT/ that holds files advisor did not write (unless ``force``); the
        ledger of the run that wrote it, if any."""
        if self.path.exists() and not self.path.is_dir():
            raise AdvisorError(f"--out {self.path} is not a folder")
        if not self.path.exists():
            return None
        ledger = self._read_ledger()
        for folder, _, files in os.walk(self.path):
            for name in sorted(files):
                path = Path(folder) / name
                rel = path.relative_to(self.path).as_posix()
                if path.is_symlink() or not self._ours(rel, ledger or {}) or (
                        rel == LEDGER and ledger is None):
                    if force:
                        return ledger
                    raise AdvisorError(f"refusing to write into {self.path}: {rel} is not a "
                                       "file advisor wrote there (choose another --out, or "
                                       "--force to write beside it)")
        return ledger

    def start(self, identity: dict[str, Any], previous: dict[str, Any] | None,
              resume: bool) -> None:
        """Open the run: a fresh one first removes what the previous run wrote here."""
        self.path.mkdir(parents=True, exist_ok=True)
        if resume and previous is not None:
            self.ledger = previous
            return
        for rel in (previous or {}).get("files", {}):
            if (self.path / rel).is_file() and self._ours(rel, previous or {}):
                (self.path / rel).unlink()
        adapter = self.path / "adapter"
        if adapter.is_dir() and not any(adapter.iterdir()):
            adapter.rmdir()
        self.ledger = {"written_by": f"{MARK} (advisor {self.command}): the files it wrote here",
                       "identity": identity, "epochs_done": 0, "finished": False,
                       "peak_rss_bytes": None, "files": {}}
        self.save()

    def save(self, **fields: Any) -> None:
        self.ledger.update(fields)
        write_text(self.path / LEDGER, json.dumps(self.ledger, indent=2) + "\n")

    def write(self, rel: str, writer: Callable[[Path], None]) -> Path:
        """``writer(tmp)`` writes the file; it then replaces OUT/rel and is listed."""
        target = self.path / rel
        self.ledger["files"][rel] = None
        self.save()
        tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
        try:
            writer(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        self.ledger["files"][rel] = sha256(target)
        self.save()
        return target

    def write_folder(self, rel: str, writer: Callable[[Path], None]) -> Path:
        """``writer(tmp)`` fills a new folder; it then replaces OUT/rel, its files listed."""
        target = self.path / rel
        tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            writer(tmp)
            files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
            for name in files:
                self.ledger["files"][f"{rel}/{name}"] = None
            self.save()
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for name in files:
            self.ledger["files"][f"{rel}/{name}"] = sha256(target / name)
        self.save()
        return target

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink(missing_ok=True)
        self.ledger["files"].pop(rel, None)
        self.save()
