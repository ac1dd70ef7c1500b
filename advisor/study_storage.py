"""Where studies live, and the guards that keep a user's database and a study intact.

- A SQLite URL that names an existing file which is not an Optuna database (a user's own
  data) is refused: Optuna would add its tables to it.
- Reading a study never creates its storage (a missing SQLite file stays missing).
- Searches use Optuna's heartbeat on database storages, so a trial whose worker was killed
  is marked failed by the next worker and run again once, instead of staying RUNNING.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from advisor.errors import AdvisorError
from advisor.paths import cache_dir


class NoStudy(AdvisorError):
    """The storage holds no study of that name."""


HEARTBEAT_SECONDS = 30  # a live trial writes a heartbeat this often
GRACE_SECONDS = 120  # a RUNNING trial without one for this long belongs to a dead worker
_OPTUNA_TABLES = {"studies", "trials", "version_info"}


def default_storage() -> str:
    return f"sqlite:///{cache_dir() / 'studies.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other storages and in-memory SQLite)."""
    if not url.startswith("sqlite:///") or url in ("sqlite://", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def check_sqlite(url: str, create: bool) -> None:
    """Refuse a SQLite file that is not Optuna's, and reading one that does not exist."""
    path = sqlite_path(url)
    if path is None:
        return
    if not path.exists():
        if not create:
            raise NoStudy(f"no study storage at {path}; run 'advisor search' first")
        return
    if not path.is_file():
        raise AdvisorError(f"study storage {path} is not a regular file")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute(
                "select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise AdvisorError(f"study storage {path} is not an SQLite database: {exc}") from None
    if tables and not tables >= _OPTUNA_TABLES:
        raise AdvisorError(f"refusing to use {path} as study storage: it holds other tables "
                           f"({', '.join(sorted(tables)[:3])}), not an Optuna study")


def storage_for(url: str | None, create: bool) -> str | optuna.storages.BaseStorage:
    """The storage to open: checked, and for a search on a database with a heartbeat."""
    url = url or default_storage()
    check_sqlite(url, create)
    if not create or "://" not in url:
        return url
    with storage_errors(url):
        retry = RetryHeartbeatStaleTrialCallback(max_retry=1)
        return RDBStorage(url, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
                          heartbeat_stale_trial_callback=retry)


@contextmanager
def storage_errors(url: str) -> Iterator[None]:
    """Optuna's and SQLAlchemy's ways of failing to open a storage, as one line each."""
    try:
        yield
    except (ValueError, ImportError, optuna.exceptions.StorageInternalError) as exc:
        raise AdvisorError(f"cannot open study storage '{url}': {exc}") from None
    except Exception as exc:  # SQLAlchemy: unknown dialect, unreachable server, bad file
        if type(exc).__module__.startswith("sqlalchemy"):
            first = str(exc).splitlines()[0]
            raise AdvisorError(f"cannot open study storage '{url}': {first}") from None
        raise
