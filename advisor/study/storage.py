"""Where studies live, and the guards that keep a user's database and a study intact.

- The default is an Optuna journal file in advisor's cache (``studies.journal``): any number
  of worker processes on one host append to it safely (Optuna's file lock), which concurrent
  SQLite cannot promise. A path (no ``://``) names such a journal; a URL names a database
  (``postgresql://`` for workers on several hosts, ``sqlite:///`` for one process).
- A path that exists and is not an Optuna journal (a user's file) is refused.
- A SQLite URL that names an existing file which is not an Optuna database (a user's own
  data) is refused: Optuna would add its tables to it.
- Reading a study never creates its storage (a missing SQLite file stays missing).
- Searches use Optuna's heartbeat on database storages, so a trial whose worker was killed
  is marked failed by the next worker and run again once, instead of staying RUNNING.
  Optuna's journal has no heartbeat: see dead_workers.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages.journal import JournalFileBackend, JournalStorage

from advisor.errors import AdvisorError
from advisor.paths import cache_dir
from advisor.quiet import quiet_optuna

quiet_optuna()  # an entry point's request for quiet, now that optuna is imported


class NoStudy(AdvisorError):
    """The storage holds no study of that name."""


HEARTBEAT_SECONDS = 30  # a live trial writes a heartbeat this often
GRACE_SECONDS = 120  # a RUNNING trial without one for this long belongs to a dead worker
_OPTUNA_TABLES = {"studies", "trials", "version_info"}


def default_storage() -> str:
    return str(cache_dir() / "studies.journal")


def is_database(url: str) -> bool:
    return "://" in url


def check_concurrent(url: str, jobs: int) -> None:
    """Several workers need a storage made for them: a journal or a database server."""
    if jobs > 1 and url.startswith("sqlite:"):
        raise AdvisorError(f"--jobs {jobs} needs a storage that takes concurrent workers; "
                           "SQLite does not: use the default journal, a journal file path or "
                           "postgresql://")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other storages and in-memory SQLite)."""
    if not url.startswith("sqlite:///") or url in ("sqlite://", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def _existing_file(path: Path, create: bool) -> bool:
    """Whether a storage file is there to be checked: a missing one is created by a search
    and NoStudy to a reader; anything there but a regular file is refused."""
    if not path.exists():
        if not create:
            raise NoStudy(f"no study storage at {path}; run 'advisor search' first")
        return False
    if not path.is_file():
        raise AdvisorError(f"study storage {path} is not a regular file")
    return True


def _check_tables(where: str, tables: set[str]) -> None:
    """A database holding tables that are not Optuna's is someone's own: not ours to extend."""
    if tables and not tables >= _OPTUNA_TABLES:
        raise AdvisorError(f"refusing to use {where} as study storage: it holds other tables "
                           f"({', '.join(sorted(tables)[:3])}), not an Optuna study")


def check_sqlite(url: str, create: bool) -> None:
    """Refuse a SQLite file that is not Optuna's, and reading one that does not exist."""
    path = sqlite_path(url)
    if path is None or not _existing_file(path, create):
        return
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute(
                "select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise AdvisorError(f"study storage {path} is not an SQLite database: {exc}") from None
    _check_tables(str(path), tables)


def check_journal(path: Path, create: bool) -> None:
    """Refuse a file that is not an Optuna journal, and reading one that does not exist."""
    if not _existing_file(path, create):
        if not path.parent.is_dir():
            raise AdvisorError(f"cannot create study storage {path}: "
                               f"{path.parent} is not a folder")
        return
    try:
        with path.open("rb") as f:
            first = f.readline(1 << 22)
        ours = not first or _is_journal_entry(json.loads(first))
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError):
            raise AdvisorError(f"cannot read study storage {path}: {exc.strerror}") from None
        ours = False
    if not ours:
        raise AdvisorError(f"refusing to use {path} as study storage: it is not an Optuna "
                           "journal (a database needs a URL such as sqlite:///file.db)")


def _is_journal_entry(entry: object) -> bool:
    return isinstance(entry, dict) and "op_code" in entry


def _with_driver(url: str) -> str:
    """``postgresql://`` with the driver advisor declares (the ``postgres`` extra: psycopg 3),
    whichever default the installed SQLAlchemy has."""
    return ("postgresql+psycopg://" + url.removeprefix("postgresql://")
            if url.startswith("postgresql://") else url)


def _engine_kwargs(url: str) -> dict:
    """An unreachable server is an error after seconds, not a hang (libpq waits forever)."""
    return {"connect_args": {"connect_timeout": 10}} if url.startswith("postgresql") else {}


def check_server_database(url: str, create: bool) -> None:
    """A database on a server: the same guards as for a SQLite file (a user's tables are not
    Optuna's to extend; reading creates nothing)."""
    import sqlalchemy

    with storage_errors(url):
        engine = sqlalchemy.create_engine(url, **_engine_kwargs(url))
        try:
            tables = set(sqlalchemy.inspect(engine).get_table_names())
        finally:
            engine.dispose()
    _check_tables(url, tables)
    if not tables and not create:
        raise NoStudy(f"no study storage at {url}; run 'advisor search' first")


def storage_for(url: str | None, create: bool) -> optuna.storages.BaseStorage:
    """The storage to open, checked; for a search on a database, with a heartbeat."""
    url = url or default_storage()
    if not is_database(url):
        path = Path(url).expanduser()
        check_journal(path, create)
        with storage_errors(url):
            return JournalStorage(JournalFileBackend(str(path)))
    url = _with_driver(url)
    if sqlite_path(url) is not None:
        check_sqlite(url, create)
    elif not url.startswith("sqlite:"):
        check_server_database(url, create)
    with storage_errors(url):
        if not create:
            return RDBStorage(url, engine_kwargs=_engine_kwargs(url))
        retry = RetryHeartbeatStaleTrialCallback(max_retry=1)
        return RDBStorage(url, engine_kwargs=_engine_kwargs(url),
                          heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
                          heartbeat_stale_trial_callback=retry)


@contextmanager
def storage_errors(url: str) -> Iterator[None]:
    """Optuna's and SQLAlchemy's ways of failing to open a storage, as one line each."""
    try:
        yield
    except ImportError as exc:
        raise AdvisorError(f"cannot open study storage '{url}': {exc} (the PostgreSQL driver "
                           "comes with pip install 'advisor[postgres]')") from None
    except (ValueError, optuna.exceptions.StorageInternalError) as exc:
        raise AdvisorError(f"cannot open study storage '{url}': {exc}") from None
    except Exception as exc:  # SQLAlchemy: unknown dialect, unreachable server, bad file
        if type(exc).__module__.startswith("sqlalchemy"):
            first = str(exc).splitlines()[0]
            raise AdvisorError(f"cannot open study storage '{url}': {first}") from None
        raise

