"""Numbers in words: "1 city", "3 cities", "50%", everywhere the pages say a count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

from dashboard.ingest import Upload
from dashboard.words import noun_for, percent, plural
from tests.test_active_everywhere import run

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app.py", "pages/1_Data.py", "pages/2_Map.py", "pages/3_Engagement.py", "pages/4_Connection_risk.py",
         "pages/5_Introductions.py"]
NOUNS = ("cities|members|people|events|places|rows|days|weeks|months|years|times|neighbourhoods|regulars|"
         "buddies|introductions|files|columns|problems|snapshots|signals|contacts|suggestions|names|check-ins")
#: "1 cities", "1 more people", "1 smaller cities": a count of one before a plural noun
ONE_THEN_PLURAL = re.compile(rf"(?<![\d.,])\b1 (?:more |smaller )?(?:{NOUNS})\b")
#: a count interpolated straight before a plural noun in a page's source, not through ``plural``
COUNT_THEN_PLURAL = re.compile(rf"\{{([^{{}}]+)\}}\s+(?:more\s+|smaller\s+)?(?:{NOUNS})\b")


@pytest.mark.parametrize(("n", "noun", "expected"), [
    (0, "city", "0 cities"), (1, "city", "1 city"), (2, "person", "2 people"), (1, "person", "1 person"),
    (1204, "member", "1,204 members"), (1.0, "event", "1 event"), (3, "more person", "3 more people"),
])
def test_plural(n: float, noun: str, expected: str) -> None:
    assert plural(n, noun) == expected


def test_noun_for_says_is_and_are() -> None:
    assert (noun_for(1, "is"), noun_for(2, "is"), noun_for(1, "has"), noun_for(5, "has")) == ("is", "are", "has", "have")


@pytest.mark.parametrize(("share", "expected"), [(0.5045, "50%"), (0.8182, "82%"), (1.0, "100%"), (0.0, "0%"),
                                                 (float("nan"), ""), (None, "")])
def test_percent_is_a_whole_percentage(share: float | None, expected: str) -> None:
    assert percent(share) == expected


def test_the_check_catches_a_count_of_one_before_a_plural() -> None:
    assert ONE_THEN_PLURAL.search("1 cities outside this view")
    assert ONE_THEN_PLURAL.search("and 1 more people are waiting")
    assert not ONE_THEN_PLURAL.search("1 city outside this view; 11 cities; 2.1 members; 21 events")
    assert COUNT_THEN_PLURAL.search('st.caption(f"{outside} cities outside this view")')
    assert not COUNT_THEN_PLURAL.search('st.caption(f"{plural(outside, \'city\')} outside this view")')


def test_no_page_puts_a_count_straight_before_a_plural_noun() -> None:
    """Counts on the pages go through ``words.plural`` ("1 city"), never "{n} cities"."""
    sources = [ROOT / p for p in PAGES] + sorted((ROOT / "dashboard" / "ui").glob("*.py"))
    found = [f"{path.relative_to(ROOT)}:{i}: {m.group(0)}" for path in sources
             for i, line in enumerate(path.read_text().splitlines(), 1) for m in COUNT_THEN_PLURAL.finditer(line)
             if not m.group(1).isupper()]  # a constant (MAX_ROWS) is never 1
    assert found == []


# --- every page, drawn: on the demo, and on an upload where most counts are one ------------------

MEMBERS = b"""Name,Email,City
Ann Lee,ann@example.org,Leeds
Bo Chen,bo@example.org,Qqqzzxq
"""
EVENTS = b"""Event ID,Event name,Date,City,Online
e1,Picnic,2026-06-30 12:00,Leeds,No
"""
ATTENDANCE = b"""Event ID,First Name,Last Name,Email,Attendee Status
e1,Ann,Lee,ann@example.org,Checked In
"""
ONES = {"members": Upload("members.csv", MEMBERS), "events": Upload("events.csv", EVENTS),
        "attendance": Upload("attendance.csv", ATTENDANCE)}
#: elements whose text is data (tables, charts), not what the page says
_DATA = {"arrow_data_frame", "arrow_table", "plotly_chart", "json", "code"}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def page_texts(node) -> list[str]:
    """Every string a drawn page says (labels, captions, metrics, alerts), tables and charts left out."""
    out: list[str] = []
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(node, "type", "") not in _DATA:
        out += _strings(MessageToDict(proto))
    for child in getattr(node, "children", {}).values():
        out += page_texts(child)
    return out


@pytest.mark.parametrize("uploads", [None, ONES], ids=["demo", "ones"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_says_one_of_a_plural(page: str, uploads: dict[str, Upload] | None) -> None:
    texts = page_texts(run(page, uploads)._tree)
    assert len(texts) > 10  # the page drew something to check
    assert [t for t in texts if ONE_THEN_PLURAL.search(t)] == []
