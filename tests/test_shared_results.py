"""The big cached results are held once per server and handed out without copying (issue 15):
every session reads the same arrays, and no page, for any role, changes what the caches hold."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.auth.roles import HELPER, ORGANISER, VIEWER
from dashboard.ui import frozen, loaders
from dashboard.ui.shell import PAGES
from tests.test_auth_pages import _workspace, open_page

ROOT = Path(__file__).resolve().parents[1]


def fingerprint(obj: object) -> object:
    """What ``obj`` holds, as something to compare: frames by columns, dtypes, index and a hash
    of every cell (lists in cells by their text); dataclasses field by field."""
    if isinstance(obj, pd.DataFrame):
        cells = obj.copy(deep=True)
        for col in cells.columns:
            if cells[col].dtype == object:
                cells[col] = cells[col].map(repr)
        hashed = pd.util.hash_pandas_object(cells, index=True).to_numpy() if len(cells.columns) else np.zeros(0)
        return ("frame", tuple(map(str, obj.columns)), tuple(map(str, obj.dtypes)), tuple(map(repr, obj.index[:3])),
                len(obj), hashlib.sha1(hashed.tobytes()).hexdigest())
    if isinstance(obj, np.ndarray):
        return ("array", obj.dtype.str, obj.shape, hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, tuple((k, fingerprint(v)) for k, v in sorted(vars(obj).items())))
    if isinstance(obj, (tuple, list)):
        return tuple(fingerprint(v) for v in obj)
    return repr(obj)


@pytest.fixture
def held(monkeypatch) -> list[tuple[object, object]]:
    """Every result put into a held cache during the test, with its fingerprint then."""
    seen: list[tuple[object, object]] = []
    real = frozen.freeze

    def recording(obj):
        seen.append((obj, fingerprint(obj)))
        return real(obj)

    monkeypatch.setattr(loaders, "freeze", recording)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield seen
    st.cache_resource.clear()


@pytest.mark.parametrize("kept", [False, True], ids=["demo", "kept upload"])
def test_no_page_changes_what_the_caches_hold(held, kept, tmp_path, monkeypatch):
    paths = [path for path, _title, _icon in PAGES]
    db = _workspace(tmp_path / "w.db", kept=kept)
    for role in (ORGANISER, HELPER, VIEWER):
        for path in paths:
            at = open_page(path, db, role, monkeypatch)
            at.run()  # a rerun reads the same cached objects again
    kinds = {type(obj).__name__ for obj, _ in held}
    assert {"ReadResult", "Community", "Analysis", "DataFrame"} <= kinds, kinds  # read, load, analysis, buddies
    changed = [type(obj).__name__ for obj, before in held if fingerprint(obj) != before]
    assert not changed, f"a page changed a shared result: {changed}"


def _twice() -> None:
    import numpy as np
    import pandas as pd
    import streamlit as st

    from dashboard.settings import Settings
    from dashboard.ui import loaders

    uploads = loaders.demo_uploads()
    key = loaders.content_key(uploads, {}, "")
    c1, c2 = loaders.load(key, uploads, {}, ""), loaders.load(key, uploads, {}, "")
    as_of, s = pd.Timestamp("2026-11-14"), Settings()
    a1, a2 = (loaders.analysis(key, c, as_of, repr(s), s) for c in (c1, c2))
    st.text(repr((
        c1.members is not c2.members and a1.members is not a2.members,  # each caller its own frames...
        np.shares_memory(a1.members["risk_score"].to_numpy(), a2.members["risk_score"].to_numpy()),  # ...same data
        np.shares_memory(c1.members["lat"].to_numpy(), c2.members["lat"].to_numpy()),
        a1.members["risk_score"].to_numpy().flags.writeable,  # read-only underneath
    )))
    a1.members["risk_score"] = -1  # a page's own frame: the held result and other callers don't see it
    st.text(repr(int(loaders.analysis(key, c1, as_of, repr(s), s).members["risk_score"].min())))


def test_results_are_handed_out_over_the_same_data_and_a_write_stays_with_the_caller():
    st.cache_resource.clear()
    at = AppTest.from_function(_twice, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == repr((True, True, True, False))
    assert int(at.text[1].value) >= 0


def test_a_grouping_other_than_the_loads_is_made_once_and_shared(tmp_path, monkeypatch):
    from dashboard import geo
    from dashboard.settings import Settings
    from dashboard.store import Store

    db = _workspace(tmp_path / "w.db", kept=True)
    store = Store.open(db)
    store.save_settings(Settings(group_by_place=True))  # not what the load groups by
    store.close()
    calls: list[tuple[float, bool]] = []
    real = geo.group_places

    def counting(community, reach_km, by_place=False):
        calls.append((reach_km, by_place))
        return real(community, reach_km, by_place)

    monkeypatch.setattr(geo, "group_places", counting)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page("app.py", db, ORGANISER, monkeypatch)
    at.run()  # a rerun groups nothing again
    open_page("app.py", db, HELPER, monkeypatch)  # nor does another session
    st.cache_resource.clear()
    assert len(calls) == 1 and calls[0][1] is True, calls
