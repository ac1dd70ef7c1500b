"""Workers in several processes (as on several hosts) sharing one study in a real PostgreSQL
server on loopback, and the same guards as for a SQLite file: a user's database is not
extended, and reading creates nothing. CI installs PostgreSQL (.ci/run) and sets
ADVISOR_REQUIRE_SYSTEM_PACKAGES, so there the tests cannot be skipped."""

import os
import subprocess
import sys

import optuna
import pytest
import sqlalchemy
from postgres_server import bindir, postgres

from advisor.errors import AdvisorError
from advisor.study.repeats import seed_of
from advisor.study.search import NoStudy, open_study, search

pytestmark = pytest.mark.slow  # a PostgreSQL server and worker processes

State = optuna.trial.TrialState


@pytest.fixture(scope="module")
def server():
    if bindir() is None:
        if os.environ.get("ADVISOR_REQUIRE_SYSTEM_PACKAGES"):
            pytest.fail("PostgreSQL is required here but not installed (apt-get install "
                        "postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres() as url:
        yield url


def _database(server: str, name: str) -> str:
    """A new empty database on the server; its URL."""
    engine = sqlalchemy.create_engine(server.replace("postgresql://", "postgresql+psycopg://"),
                                      isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.execute(sqlalchemy.text(f"create database {name}"))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def _tables(url: str) -> set[str]:
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_worker_processes_share_one_study_without_losing_or_repeating_a_trial(server):
    url = _database(server, "shared")
    search("mobilenetv3", "unseen", trials=1, storage=url, epochs=1)  # the study, weights
    env = {**os.environ, "ADVISOR_NO_PROGRESS": "1"}
    command = [sys.executable, "-m", "advisor", "search", "--epochs", "1", "--storage", url]
    hosts = [subprocess.Popen([*command, "--trials", "2", "--jobs", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True),
             subprocess.Popen([*command, "--trials", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)]
    for host in hosts:
        _, err = host.communicate(timeout=600)
        assert host.returncode == 0, err
    study = open_study("mobilenetv3", "unseen", url, epochs=1, create=False)
    assert sorted(t.number for t in study.trials) == list(range(4))
    assert all(t.state == State.COMPLETE for t in study.trials)
    draws = [(tuple(sorted(t.params.items())), seed_of(t)) for t in study.trials]
    assert len(set(draws)) == 4
    workers = {t.user_attrs["worker"]["pid"] for t in study.trials[1:]}
    assert len(workers) == 3  # two of --jobs 2, one of the other command


def test_a_users_database_is_refused_and_reading_creates_nothing(server):
    mine = _database(server, "mine")
    engine = sqlalchemy.create_engine(mine.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as db:
        db.execute(sqlalchemy.text("create table people (name text)"))
    engine.dispose()
    with pytest.raises(AdvisorError, match="not an Optuna study"):
        search("mobilenetv3", "unseen", trials=1, storage=mine)
    assert _tables(mine) == {"people"}

    empty = _database(server, "empty")
    with pytest.raises(NoStudy):
        open_study("mobilenetv3", "unseen", empty, create=False)
    assert _tables(empty) == set()


def test_an_unreachable_server_is_one_line_not_a_hang(server):
    port = server.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(AdvisorError, match="cannot open study storage"):
        open_study("mobilenetv3", "unseen", server.replace(port, "1"), create=False)
