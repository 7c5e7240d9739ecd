"""The workspace store: the organiser's kept uploads, choices and settings, in one database.

Core code (never imports streamlit) on SQLAlchemy 2 Core with Alembic migrations:

- ``engine.py``      where the database is (``NEIGHBOURLY_DB`` or a SQLite file in the user's
                     data directory), opening it owner-only, migrating it, refusing newer ones
- ``schema.py``      the tables; ``migrations/versions/`` one file per schema change
- ``workspace.py``   ``Store``: snapshots (keep, list, load, delete, erase) and settings

Later parts of the workspace (contact log, introductions, users, audit) each add one
migration, their tables in ``schema.py`` and their functions on or beside ``Store``.
"""

from dashboard.store.engine import ENV_VAR, NewerSchemaError, StoreError, default_url, head_revision
from dashboard.store.workspace import Counts, Snapshot, SnapshotInfo, Store

__all__ = [
    "ENV_VAR", "Counts", "NewerSchemaError", "Snapshot", "SnapshotInfo", "Store", "StoreError",
    "default_url", "head_revision",
]
