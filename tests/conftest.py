"""Shared fixtures: ``db_url`` runs a store test on SQLite and on PostgreSQL.

PostgreSQL comes from ``NEIGHBOURLY_TEST_PG`` (a ``postgresql+psycopg://`` URL of a server the
tests may create databases on); ``.ci/run`` starts a throwaway one. Each test gets its own
fresh database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ENV = "NEIGHBOURLY_TEST_PG"
_SAVED_DB: list[str | None] = []
_FOLDERS: list[str] = []


def pytest_configure(config) -> None:
    """Tests never touch the organiser's real workspace: ``NEIGHBOURLY_DB`` points at a throwaway
    SQLite file for the whole run (servers the tests start inherit it)."""
    import tempfile

    _SAVED_DB.append(os.environ.get("NEIGHBOURLY_DB"))
    folder = tempfile.mkdtemp(prefix="neighbourly-test-workspace-")
    _FOLDERS.append(folder)
    os.environ["NEIGHBOURLY_DB"] = f"sqlite:///{folder}/workspace.db"


def pytest_unconfigure(config) -> None:
    import shutil

    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    if _SAVED_DB:
        saved = _SAVED_DB.pop()
        if saved is None:
            os.environ.pop("NEIGHBOURLY_DB", None)
        else:
            os.environ["NEIGHBOURLY_DB"] = saved
PG_HOW = (f"PostgreSQL store tests need {PG_ENV} (a postgresql+psycopg:// URL of a server where tests may "
          "create databases): run .ci/run, or `eval \"$(.ci/pg start)\"` before pytest")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A URL of an empty workspace database, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workspace.db'}"
        return
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(PG_HOW)
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = "neighbourly_test_" + uuid.uuid4().hex[:12]
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
