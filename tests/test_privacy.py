"""Privacy promises, checked: with online geocoding off nothing talks to the network,
uploads are never written to disk, and exports can't smuggle spreadsheet formulas.

* Network: ``socket.socket.connect``/``connect_ex``, ``socket.create_connection``
  and ``socket.getaddrinfo`` are wrapped so any non-loopback destination (or a
  DNS lookup of a non-local name, which leaks the name) is recorded and refused.
* Disk: uploads carry a random token in their name and content; after the
  pipeline or the Data page has handled them, no new or modified file in the
  working directory, the temp directory or ``~/.cache`` contains the token, no
  write was opened outside the gazetteer cache, and the working directory and
  ``~/.cache`` gained no files except the gazetteer cache.
"""

from __future__ import annotations

import builtins
import csv
import io
import ipaddress
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")))
DEMO = {kind: ROOT / "data" / f"demo_{kind}.csv" for kind in ("members", "events", "attendance")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: build artefacts that may appear anywhere while tests run
NOISE_DIRS = {".git", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache", "screenshots", "artifacts"}


# --- network ---------------------------------------------------------------------------------


def _is_local_host(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]")
    if host in ("", "localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkLog:
    attempts: list[str] = field(default_factory=list)


@pytest.fixture
def no_network(monkeypatch) -> Iterator[NetworkLog]:
    """Refuse and record any connection (or name lookup) that would leave the machine."""
    log = NetworkLog()
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def refuse(what: str) -> OSError:
        log.attempts.append(what)
        return ConnectionRefusedError(f"test_privacy: network refused ({what})")

    def destination_ok(sock: socket.socket, address: object) -> bool:
        if sock.family == getattr(socket, "AF_UNIX", object()):
            return True
        host = address[0] if isinstance(address, tuple) else address
        return _is_local_host(host)

    def connect(self, address):
        if not destination_ok(self, address):
            raise refuse(f"socket.connect {address!r}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if not destination_ok(self, address):
            raise refuse(f"socket.connect_ex {address!r}")
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        if not _is_local_host(address[0]):
            raise refuse(f"socket.create_connection {address!r}")
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local_host(host):
            raise refuse(f"socket.getaddrinfo {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield log


def test_the_guard_itself_refuses_the_internet(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 80), timeout=1)
    with pytest.raises(OSError), socket.socket() as s:
        s.connect(("93.184.215.14", 80))
    assert len(no_network.attempts) == 2
    no_network.attempts.clear()
    # loopback stays allowed (a refused local port is fine, it never left the machine)
    with socket.socket() as s:
        s.settimeout(1)
        s.connect_ex(("127.0.0.1", 9))  # refused or not, it never left the machine
    assert not no_network.attempts


def _demo_uploads(token: str = "") -> dict:
    from dashboard.ingest import Upload

    return {kind: Upload(path.name + token, path.read_bytes()) for kind, path in DEMO.items()}


def test_demo_pipeline_opens_no_connection(no_network):
    from dashboard import geo
    from dashboard.analysis import analyse
    from dashboard.ingest import load_community
    from dashboard.model import default_as_of
    from dashboard.settings import Settings

    ups = _demo_uploads()
    community = load_community(ups["members"], ups["events"], ups["attendance"],
                               reference_date=pd.Timestamp("2026-11-30"))
    community = geo.geocode_community(community, geocoder=geo.OfflineGeocoder())
    result = analyse(community, default_as_of(community), Settings())
    assert len(result.members) == len(community.members) > 0
    assert community.geocodes["lat"].notna().any()
    assert not no_network.attempts, no_network.attempts


@pytest.mark.parametrize("script", PAGES)
def test_every_page_opens_no_connection(script, no_network):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if script != "app.py":
        at.switch_page(script)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not no_network.attempts, f"{script} tried the network: {no_network.attempts}"


# --- disk ------------------------------------------------------------------------------------


def _home_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg else Path.home() / ".cache"


def _gazetteer_cache() -> Path | None:
    from dashboard import geo

    folder = geo.cache_dir()
    return folder.resolve() if folder is not None else None


def _snapshot(root: Path, skip_noise: bool = True) -> dict[str, float]:
    """path -> mtime of every file under ``root`` (build noise left out)."""
    out: dict[str, float] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        if skip_noise:
            dirnames[:] = [d for d in dirnames if d not in NOISE_DIRS and not d.startswith("pytest-of-")]
        for name in filenames:
            p = os.path.join(dirpath, name)
            try:
                out[p] = os.stat(p).st_mtime
            except OSError:
                pass
    return out


def _workspace_file() -> str | None:
    """The workspace SQLite file the app uses (tests point NEIGHBOURLY_DB at a throwaway one)."""
    from dashboard.store.engine import resolve_url, sqlite_path

    path = sqlite_path(resolve_url())
    return None if path is None else str(path.resolve())


def _changed(before: dict[str, float], after: dict[str, float]) -> list[str]:
    return sorted(p for p, m in after.items() if before.get(p) != m)


def _contains(path: str, token: bytes, limit: int = 64 * 1024 * 1024) -> bool:
    try:
        if os.path.getsize(path) > limit:
            return False
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return token in data or token.decode().encode("utf-16-le") in data


@dataclass
class DiskWatch:
    """Snapshots before, writes during, and what changed after."""

    token: str
    roots: dict[str, Path]
    before: dict[str, dict[str, float]] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, list[str]]:
        """New or modified files under each root."""
        return {label: _changed(self.before[label], _snapshot(root)) for label, root in self.roots.items()}

    def new(self) -> dict[str, list[str]]:
        """Files that didn't exist before, under each root."""
        return {label: sorted(set(_snapshot(root)) - set(self.before[label])) for label, root in self.roots.items()}


@pytest.fixture
def disk_watch(monkeypatch) -> Iterator[DiskWatch]:
    """Record every file opened for writing, and snapshot cwd, the temp dir and ~/.cache."""
    token = "upl" + uuid.uuid4().hex
    roots = {"cwd": Path.cwd(), "tmp": Path(tempfile.gettempdir()), "home cache": _home_cache()}
    watch = DiskWatch(token, roots)
    gaz = _gazetteer_cache()
    allowed = tuple(str(p) for p in (gaz,) if p is not None)
    # the workspace database may be opened for writing (uploads reach it only when the organiser
    # keeps them: _assert_nothing_written still checks no changed file holds the upload)
    workspace = _workspace_file()
    real_open, real_os_open = builtins.open, os.open

    def allowed_path(path: object) -> bool:
        try:
            p = str(Path(os.fsdecode(path)).resolve())
        except (TypeError, ValueError):
            return True  # a file descriptor, not a path
        return (p.startswith(allowed) or "__pycache__" in p or p == os.devnull
                or (workspace is not None and p.startswith(workspace)))

    def guarded_open(file, mode="r", *args, **kwargs):
        if isinstance(mode, str) and any(c in mode for c in "wax+") and not isinstance(file, int) \
                and not allowed_path(file):
            watch.writes.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and not allowed_path(path):
            watch.writes.append(f"os.open({path!r})")
        return real_os_open(path, flags, *args, **kwargs)

    watch.before = {label: _snapshot(root) for label, root in roots.items()}
    time.sleep(0.01)  # mtimes after this point are "during"
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    yield watch


def _assert_nothing_written(watch: DiskWatch) -> None:
    changed = watch.changed()
    token = watch.token.encode()
    leaked = [p for files in changed.values() for p in files if watch.token in p or _contains(p, token)]
    assert not leaked, f"uploaded data reached the disk: {leaked}"
    assert not watch.writes, f"files were opened for writing: {watch.writes}"
    gaz = _gazetteer_cache()
    new = watch.new()
    for label in ("cwd", "home cache"):  # quiet places: nothing new at all but the gazetteer cache
        extra = [p for p in new[label] if gaz is None or not Path(p).resolve().is_relative_to(gaz)]
        assert not extra, f"new files in {label}: {extra}"


def _tokened(token: str) -> dict[str, tuple[str, bytes]]:
    """Small uploads whose every file carries ``token`` (in names, emails and the file name)."""
    return {
        "members": (f"members-{token}.csv",
                    f"Name,Email,City,Joined\nAnn {token},ann.{token}@example.org,Leeds,2026-01-05\n"
                    f"Bo Chen,bo.{token}@example.org,York,2026-01-06\n"
                    # signed up long ago and never came: on the check-in list
                    f"Cy {token},cy.{token}@example.org,Leeds,2025-06-01\n".encode()),
        "events": (f"events-{token}.csv",
                   f"Event ID,Event name,Date,City\nE1,Coffee {token},2026-03-01 10:00,Leeds\n".encode()),
        "attendance": (f"attendance-{token}.csv",
                       f"Event ID,Email,Status\nE1,ann.{token}@example.org,attended\n"
                       f"E1,bo.{token}@example.org,attended\n".encode()),
    }


def test_the_pipeline_never_writes_an_upload_to_disk(disk_watch, no_network):
    from dashboard import geo
    from dashboard.analysis import analyse
    from dashboard.export import to_csv_bytes
    from dashboard.ingest import Upload, load_community
    from dashboard.model import default_as_of
    from dashboard.settings import Settings

    ups = {kind: Upload(name, data) for kind, (name, data) in _tokened(disk_watch.token).items()}
    community = load_community(ups["members"], ups["events"], ups["attendance"])
    community = geo.geocode_community(community, geocoder=geo.OfflineGeocoder())
    result = analyse(community, default_as_of(community), Settings())
    assert len(result.members) == 3
    assert to_csv_bytes(result.members)  # the CSV export is bytes in memory too
    _assert_nothing_written(disk_watch)
    assert not no_network.attempts


def test_the_excel_export_stays_in_memory(disk_watch):
    from dashboard.export import to_xlsx_bytes

    assert to_xlsx_bytes(pd.DataFrame({"name": [f"Ann {disk_watch.token}"]}))
    _assert_nothing_written(disk_watch)


def test_the_data_page_keeps_uploads_in_memory(disk_watch, no_network):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/1_Data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for kind, (name, data) in _tokened(disk_watch.token).items():
        at.file_uploader(key=f"upload_{kind}").set_value((name, data, "text/csv")).run()
        assert not at.exception, [e.value for e in at.exception]
    members = next(m.value for m in at.metric if m.label == "Members")
    assert members == "3"
    _assert_nothing_written(disk_watch)
    assert not no_network.attempts, no_network.attempts


def test_the_check_in_page_keeps_uploaded_people_in_memory(disk_watch, no_network):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/1_Data.py")
    at.run()
    for kind, (name, data) in _tokened(disk_watch.token).items():
        at.file_uploader(key=f"upload_{kind}").set_value((name, data, "text/csv")).run()
    at.switch_page("pages/4_Connection_risk.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(disk_watch.token in str(df.value.to_dict()) for df in at.dataframe), "the upload isn't shown"
    _assert_nothing_written(disk_watch)
    assert not no_network.attempts, no_network.attempts


def test_keeping_a_snapshot_writes_uploads_only_into_the_owner_only_workspace_db(tmp_path, disk_watch, no_network):
    """The one place uploads may reach the disk: the workspace database (and its WAL), mode 0600."""
    import stat

    from dashboard import geo, snapshots
    from dashboard.ingest import Upload
    from dashboard.store import Store

    db = (tmp_path / "workspace" / "workspace.db").resolve()
    kept_files = {str(db), f"{db}-wal", f"{db}-shm"}
    ups = {kind: Upload(name, data) for kind, (name, data) in _tokened(disk_watch.token).items()}
    gc = geo.OfflineGeocoder()
    store = Store.open(f"sqlite:///{db}")
    snapshots.keep(store, ups, {"Leeds": "Leeds, GB"}, "GB", geocoder=gc)
    for name in kept_files & {str(p) for p in db.parent.iterdir()}:
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
    rebuilt = snapshots.community(store.latest(), geocoder=gc)
    assert len(rebuilt.members) == 3
    store.close()
    token = disk_watch.token.encode()
    assert any(_contains(p, token) for p in kept_files if os.path.exists(p)), "the snapshot isn't in the DB"
    changed = disk_watch.changed()
    leaked = [p for files in changed.values() for p in files
              if str(Path(p).resolve()) not in kept_files and (disk_watch.token in p or _contains(p, token))]
    assert not leaked, f"uploaded data reached the disk outside the workspace: {leaked}"
    assert all(str(db) in w for w in disk_watch.writes), disk_watch.writes
    gaz = _gazetteer_cache()
    for label in ("cwd", "home cache"):
        extra = [p for p in disk_watch.new()[label] if gaz is None or not Path(p).resolve().is_relative_to(gaz)]
        assert not extra, f"new files in {label}: {extra}"
    assert not no_network.attempts


# --- exports ---------------------------------------------------------------------------------

HOSTILE = [
    "=1+1", '=HYPERLINK("http://evil.example","click")', "+44 7700 900000", "-2+3", "@SUM(A1:A2)",
    "\t=cmd", "\r=cmd", "=cmd|' /C calc'!A0", "Ann", "", "ok = fine", "two\nlines =1", "x\r=1+1",
]


def _neutral(cell: str) -> bool:
    return not cell.startswith(FORMULA_START)


def test_neutralise_formulas_quotes_every_formula_like_text_cell():
    from dashboard.export import neutralise_formulas

    frame = pd.DataFrame({"name": HOSTILE, "n": range(len(HOSTILE)), "=evil header": "x"})
    frame["n"] = frame["n"] - 5  # negative numbers are numbers, not formulas
    out = neutralise_formulas(frame)
    assert all(_neutral(str(c)) for c in out.columns)
    for raw, safe in zip(frame["name"], out["name"], strict=True):
        if raw.startswith(FORMULA_START):
            assert safe == "'" + raw
        else:
            assert safe == raw
    assert out["n"].tolist() == frame["n"].tolist()
    assert frame["name"].tolist() == HOSTILE, "the input frame was changed"


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_export_neutralises_formulas():
    from dashboard.export import to_csv_bytes

    rows = _csv_cells(to_csv_bytes(pd.DataFrame({"name": HOSTILE, "tags": [("=a", "b")] * len(HOSTILE)})))
    cells = [c for r in rows for c in r]
    assert all(_neutral(c) for c in cells), [c for c in cells if not _neutral(c)]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells


@pytest.mark.parametrize("cell", ["\r=cmd", "x\r=1+1", "ok\r@SUM(A1)"])
def test_csv_export_keeps_a_carriage_return_inside_its_cell(cell):
    from dashboard.export import to_csv_bytes

    rows = _csv_cells(to_csv_bytes(pd.DataFrame({"name": [cell]})))
    assert len(rows) == 2, f"the row was split: {rows}"
    assert all(_neutral(c) for r in rows for c in r), rows


def test_xlsx_export_holds_no_formula():
    from dashboard.export import to_xlsx_bytes

    wb = load_workbook(io.BytesIO(to_xlsx_bytes(pd.DataFrame({"=name": HOSTILE}), "=Sheet")))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert _neutral(cell.value), f"{cell.coordinate}: {cell.value!r}"


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_no_text_cell_survives_as_a_formula(cells):
    from dashboard.export import to_csv_bytes, to_xlsx_bytes

    frame = pd.DataFrame({"text": cells})
    rows = _csv_cells(to_csv_bytes(frame))
    assert all(_neutral(c) for r in rows for c in r)
    try:
        wb = load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    except IllegalCharacterError:  # control characters Excel can't store: openpyxl refuses them
        return
    for row in wb.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert not isinstance(cell.value, str) or _neutral(cell.value)


def test_the_demo_check_in_list_exports_safely():
    """The outreach list as the Connection risk page builds it, with contacts shown."""
    from dashboard import geo
    from dashboard.analysis import analyse
    from dashboard.export import to_csv_bytes
    from dashboard.ingest import load_community
    from dashboard.model import default_as_of
    from dashboard.outreach import outreach_list
    from dashboard.settings import Settings

    ups = _demo_uploads()
    community = geo.geocode_community(load_community(ups["members"], ups["events"], ups["attendance"]),
                                      geocoder=geo.OfflineGeocoder())
    result = analyse(community, default_as_of(community), Settings())
    table = outreach_list(result.members, result.risk, show_contacts=True)
    assert len(table) > 0 and "email" in table.columns
    cells = [c for r in _csv_cells(to_csv_bytes(table)) for c in r]
    assert all(_neutral(c) for c in cells)
