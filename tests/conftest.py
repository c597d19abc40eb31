"""Store backends for the tests: every test that takes `store`, `store_url` or `backend` runs on SQLite
and on PostgreSQL.

PostgreSQL needs a server: `FRONTLINES_TEST_PG_URL` names a database on it that the tests may connect
to as a user who can create databases (`.ci/pg-start` starts a throwaway one and prints that URL; CI
does this in `.ci/run`). Without it the PostgreSQL runs are skipped with the reason, except under CI
(`CI=true`), where a missing or unreachable server fails them. Each PostgreSQL test gets databases of
its own (CREATE DATABASE takes milliseconds), dropped when it ends.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontlines.store import Store

PG_ENV = "FRONTLINES_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Backend:
    """Makes empty databases and copies of databases on one backend; drops them at `close`."""

    name = ""
    _migrated: str | None = None

    def new_url(self) -> str:
        raise NotImplementedError

    def migrated_url(self) -> str:
        """A new database already at the current schema: a copy of one migrated once per backend."""
        if self._migrated is None:
            self._migrated = self.new_url()
            Store(self._migrated).close()
        return self.copy(self._migrated)

    def copy(self, url: str) -> str:
        """A new database holding what `url` holds (nothing may be connected to `url`)."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return self.name


class SqliteBackend(Backend):
    """Databases are files (their paths, as a user passes them to --db)."""

    name = "sqlite"

    def __init__(self, folder: Path):
        self.folder = folder

    def new_url(self) -> str:
        return str(self.folder / f"{uuid.uuid4().hex[:12]}.db")

    def copy(self, url: str) -> str:
        new = self.new_url()
        shutil.copy(url, new)
        return new


class PostgresBackend(Backend):
    """Databases are created on the server `FRONTLINES_TEST_PG_URL` points at."""

    name = "postgresql"

    def __init__(self, url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", pool_size=1)
        self.made: list[str] = []

    def _create(self, template: str | None = None) -> str:
        name = f"fl_test_{uuid.uuid4().hex[:12]}"
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else "")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)
        self.made.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def new_url(self) -> str:
        return self._create()

    def copy(self, url: str) -> str:
        from sqlalchemy.engine import make_url

        return self._create(template=make_url(url).database)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()
        self.admin.dispose()


def postgres_backend() -> PostgresBackend:
    """The PostgreSQL backend, or a skip (a failure under CI) saying why there is none."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        why = f"PostgreSQL tests need {PG_ENV} (start a server with .ci/pg-start, see README)"
        if _in_ci():
            pytest.fail(f"{why}; CI must run them", pytrace=False)
        pytest.skip(why)
    try:
        backend = PostgresBackend(url)
        with backend.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - a test failure that says why
        pytest.fail(f"{PG_ENV} is set but PostgreSQL cannot be used: {type(exc).__name__}: {exc}", pytrace=False)
    return backend


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    """Each backend in turn (module scope, so module fixtures built on it are built once per backend)."""
    b: Backend = postgres_backend() if request.param == "postgresql" else SqliteBackend(tmp_path_factory.mktemp("sqlite"))
    yield b
    b.close()


@pytest.fixture
def store_url(backend: Backend) -> Iterator[str]:
    """An empty database of its own, on each backend."""
    url = backend.new_url()
    yield url
    if isinstance(backend, PostgresBackend):
        backend.drop(url)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    """A Store on a database of its own at the current schema, on each backend."""
    url = backend.migrated_url()
    s = Store(url)
    yield s
    s.close()
    if isinstance(backend, PostgresBackend):
        backend.drop(url)
