"""Where the workspace database is, how it is opened, and how its schema is brought up to date.

The default is a SQLite file in the user's data directory (platformdirs), created on
first use readable and writable by its owner only, in WAL mode. ``NEIGHBOURLY_DB`` (a
SQLAlchemy URL) moves it; ``postgresql+psycopg://...`` runs the same code on PostgreSQL.
Opening runs the Alembic migrations in ``migrations/`` up to the newest, inside one
locked transaction, so two processes opening a new workspace at once don't race; a
database written by a newer version of Neighbourly is refused, never touched.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

#: the environment variable that moves the workspace (a SQLAlchemy URL)
ENV_VAR = "NEIGHBOURLY_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: any fixed number: PostgreSQL sessions opening the workspace queue on this advisory lock
_PG_MIGRATION_LOCK = 74_231_306
#: how long a writer waits for another writer before giving up (SQLite), in seconds
BUSY_TIMEOUT_S = 60


class StoreError(Exception):
    """The workspace database can't be used; the message says which one and why, in one line."""


class NewerSchemaError(StoreError):
    """The database was written by a newer version of Neighbourly."""


def default_url() -> str:
    """The SQLite file in the user's data directory (not created here)."""
    folder = Path(platformdirs.user_data_dir("neighbourly", appauthor=False))
    return f"sqlite:///{folder / 'workspace.db'}"


def resolve_url(url: str | None = None) -> URL:
    """``url``, else ``$NEIGHBOURLY_DB``, else the default file; a clear error if it isn't a URL."""
    raw = url or os.environ.get(ENV_VAR) or default_url()
    try:
        return make_url(raw)
    except ArgumentError:
        shown = raw.split("@")[-1] if "@" in raw else raw
        raise StoreError(f"{shown!r} is not a database URL (e.g. sqlite:///path/workspace.db or "
                         "postgresql+psycopg://user@host/db)") from None


def shown(url: URL) -> str:
    """The URL as it may be printed: never with its password."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory SQLite)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def _owner_only_file(path: Path) -> None:
    """Create the SQLite file (and its folder) owner-only, or tighten an existing one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077 and p.stat().st_uid == os.getuid():
            p.chmod(0o600)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={BUSY_TIMEOUT_S * 1000}",
            "foreign_keys=ON",
            "temp_store=MEMORY",  # sorts and temp tables never spill uploads into /tmp
            "secure_delete=ON",  # deleted rows are overwritten, not left in free pages
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # a writer takes the write lock at BEGIN, so it waits for another writer instead of failing later
        write = conn.get_execution_options().get("neighbourly_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def create(url: URL) -> Engine:
    """An engine for ``url``; the SQLite file is created owner-only first."""
    path = sqlite_path(url)
    try:
        if path is not None:
            _owner_only_file(path)
            return _sqlite_engine(url)
        connect_args = {"connect_timeout": 10} if url.get_backend_name() == "postgresql" else {}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except OSError as exc:
        raise StoreError(f"cannot create the workspace database at {shown(url)}: {exc.strerror or exc}") from None
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use the database at {shown(url)}: {_one_line(exc, url)}") from None


def _one_line(exc: BaseException, url: URL | None = None) -> str:
    """The reason in one line, with the URL's password (if any) blanked out."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    line = " ".join(str(exc).split())[:300]
    if url is not None and url.password:
        line = line.replace(str(url.password), "***")
    return line


@contextmanager
def transaction(engine: Engine, url: URL, write: bool = False) -> Iterator[Connection]:
    """One connection and one transaction, opened and closed here; errors become ``StoreError``."""
    try:
        with engine.connect() as conn:
            conn.execution_options(neighbourly_write=write)
            with conn.begin():
                yield conn
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        action = "write to" if write else "read"
        raise StoreError(f"cannot {action} the workspace database at {shown(url)}: {_one_line(exc, url)}") from None


#: the newest migration (tests/test_store.py checks alembic agrees): a workspace already at it
#: opens without importing alembic, 0.45 s of a fresh server's first page
HEAD_REVISION = "0004_follow_through"


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest schema this version of Neighbourly knows, as alembic reads the migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def _at_head(engine: Engine, url: URL) -> bool:
    """Whether the database's schema is ``HEAD_REVISION`` (False when it has none yet or can't
    say: ``upgrade`` then does the whole check with alembic)."""
    try:
        with transaction(engine, url) as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [HEAD_REVISION]
    except StoreError:
        return False


def upgrade(engine: Engine, url: URL, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), refusing a newer database."""
    if revision == "head" and _at_head(engine, url):
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    script = ScriptDirectory(str(MIGRATIONS))
    with transaction(engine, url, write=True) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        current = MigrationContext.configure(conn).get_current_heads()
        known = {r.revision for r in script.walk_revisions()}
        unknown = [r for r in current if r not in known]
        if unknown:
            raise NewerSchemaError(
                f"the workspace database at {shown(url)} was written by a newer version of Neighbourly "
                f"(schema {', '.join(unknown)}; this version knows up to {script.get_current_head()}): "
                f"upgrade Neighbourly, or set {ENV_VAR} to another database; nothing was changed"
            )
        target = script.get_current_head() if revision == "head" else revision
        if tuple(current) != (target,):
            try:
                command.upgrade(_config(conn), revision)
            except CommandError as exc:
                raise StoreError(f"cannot upgrade the workspace database at {shown(url)}: {exc}") from None
