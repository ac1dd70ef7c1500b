"""Reading the user's files and writing beside them without ever damaging one.

Three rules, each a one-line error rather than a traceback, a hang or a changed file:
- a file advisor reads must be a regular, readable, reasonably small file (a FIFO would block
  forever, a directory or a device file is a mistake);
- a file advisor writes is replaced only if advisor wrote it (it carries ``MARK``): a user's
  own file at an export path is refused, never overwritten;
- every write is atomic (a temporary file beside the target, then ``os.replace``), so a kill
  leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from advisor.errors import AdvisorError

MARK = "written by advisor"  # in the first two lines of every file advisor may replace
MAX_TEXT_BYTES = 4 * 2**20  # a profile or a config is kilobytes; more is the wrong file


def check_file(path: str | Path, what: str) -> os.stat_result:
    """A user's file that can be opened without blocking: there, regular, stat-able (a FIFO
    would block forever, a folder or a device file is a mistake); one line if not."""
    path = Path(path)
    try:
        info = path.stat()  # before opening: opening a FIFO would block
    except FileNotFoundError:
        raise AdvisorError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise AdvisorError(f"cannot read {what} {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise AdvisorError(f"{what} {path} is not a regular file")
    return info


def read_text(path: str | Path, what: str) -> str:
    """The text of a user's file, or one line saying why it cannot be read."""
    path = Path(path)
    info = check_file(path, what)
    if info.st_size > MAX_TEXT_BYTES:
        raise AdvisorError(f"{what} {path} is {info.st_size} bytes: not a {what}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AdvisorError(f"{what} {path} is not UTF-8 text") from None
    except OSError as exc:
        raise AdvisorError(f"cannot read {what} {path}: {exc.strerror}") from None


def check_folder_for(path: Path) -> None:
    """Refuse a target whose nearest existing parent is not a folder (before the work: the
    write would fail only after it)."""
    parent = path.absolute().parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise AdvisorError(f"cannot write {path}: {parent} is not a folder")


def check_replaceable(path: Path) -> None:
    """Refuse a target that exists and is not a file advisor wrote, or that cannot be made."""
    check_folder_for(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise AdvisorError(f"refusing to write {path}: it exists and is not a regular file")
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            head = f.read(200)
    except OSError as exc:
        raise AdvisorError(f"cannot read {path}: {exc.strerror}") from None
    if MARK not in "".join(head.splitlines()[:2]):  # TOML: a comment; JSON: the first key
        raise AdvisorError(f"refusing to overwrite {path}: advisor did not write it (choose "
                           "another path or remove the file)")


def write_text(path: Path, text: str) -> Path:
    """Write atomically; one line if the place cannot be written."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # e.g. its folder is a file: nothing to remove
            tmp.unlink()
        raise AdvisorError(f"cannot write {path}: {exc.strerror}") from None
    return path
