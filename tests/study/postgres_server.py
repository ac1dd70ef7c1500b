"""A throwaway PostgreSQL server on loopback, from Debian's packages (``apt-get install
postgresql``), for the multi-worker tests and benchmarks/workers.py.

initdb refuses to run as root, so as root the cluster belongs to Debian's ``postgres`` user.
fsync is off: the data are thrown away, and the tests measure the workers, not the disk.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def bindir() -> Path | None:
    """The newest installed server's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str]:
    """Start a server, yield the URL of an empty database on it, stop and delete it."""
    bins = bindir()
    if bins is None:
        raise FileNotFoundError("PostgreSQL is not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, cwd=base)

    try:
        run(str(bins / "initdb"), "-D", str(data), "-A", "trust", "-U", "advisor", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        run(str(bins / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options,
            "-w", "start")
        try:
            run(str(bins / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "advisor",
                "studies")
            yield f"postgresql://advisor@127.0.0.1:{port}/studies"
        finally:
            run(str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)
