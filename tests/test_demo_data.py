"""The demo community: reproducible, the right size, and every story present.

Pure pandas reads of the committed CSVs (no dashboard code), so these tests pin
what the demo *contains*; whether the dashboard finds it is tested elsewhere.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = ("demo_members.csv", "demo_events.csv", "demo_attendance.csv")
AS_OF = pd.Timestamp("2026-11-14")

UCLA = (
    "How often do you feel that you lack companionship?",
    "How often do you feel left out?",
    "How often do you feel isolated from others?",
)
ONS = "How often do you feel lonely?"
CITY = "Which town or city do you live in?"
MOVED = "When did you move to your city?"
UCLA_POINTS = {"Hardly ever": 1, "Some of the time": 2, "Often": 3}
MONTHS = {m: i + 1 for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"])}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    m = _read("demo_members.csv")
    m["key"] = m["Email Address"].str.strip().str.casefold()
    m["joined"] = pd.to_datetime(m["Timestamp"], format="%d/%m/%Y %H:%M:%S")
    return m


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    e = _read("demo_events.csv")
    e["starts_at"] = pd.to_datetime(e["Date"], format="%Y-%m-%d %H:%M")
    return e


@pytest.fixture(scope="module")
def attendance(events) -> pd.DataFrame:
    a = _read("demo_attendance.csv")
    a["key"] = a["Email"].str.strip().str.casefold()
    return a.merge(events[["Event ID", "starts_at", "City", "Online"]], on="Event ID",
                   how="left")


@pytest.fixture(scope="module")
def came(attendance) -> pd.DataFrame:
    """Check-ins at known events."""
    return attendance[(attendance["Attendee Status"] == "Checked In")
                      & attendance["starts_at"].notna()]


def _dates(came: pd.DataFrame, email: str) -> list[pd.Timestamp]:
    return sorted(came.loc[came["key"] == email, "starts_at"].dt.normalize())


def _moved(text: str) -> pd.Timestamp | None:
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return pd.to_datetime(text, format="%d/%m/%Y")
    parts = text.split()
    if len(parts) == 2 and parts[0] in MONTHS and parts[1].isdigit():
        return pd.Timestamp(int(parts[1]), MONTHS[parts[0]], 1)
    return None


# --- reproducible ------------------------------------------------------------


def test_regenerating_gives_byte_identical_files(tmp_path):
    spec = importlib.util.spec_from_file_location("_neighbourly_make_demo",
                                                  DATA / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
        module.main(tmp_path)
    finally:
        sys.modules.pop(spec.name, None)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# --- shape of the exports ----------------------------------------------------


def test_headers_are_the_real_exports(members, events, attendance):
    assert list(_read("demo_members.csv").columns) == [
        "Timestamp", "Full name", "Email Address", CITY, MOVED, "What are you into?",
        "Role", *UCLA, ONS]
    assert list(_read("demo_events.csv").columns) == [
        "Event ID", "Event name", "Date", "City", "Venue", "Online"]
    assert list(_read("demo_attendance.csv").columns) == [
        "Event ID", "Event Name", "First Name", "Last Name", "Email", "Attendee Status",
        "Order Date"]


def test_row_counts_in_range(members, events, attendance):
    assert 280 <= members["key"].nunique() <= 320
    assert 85 <= len(events) <= 110
    assert 800 <= len(attendance) <= 1500


def test_timestamps_are_unambiguously_day_first(members):
    days = members["Timestamp"].str.slice(0, 2).astype(int)
    assert (days > 12).any()
    assert members["joined"].min() >= pd.Timestamp("2025-05-01")
    assert members["joined"].max() <= AS_OF


def test_mostly_uk_with_a_few_abroad(members):
    city = members[CITY].str.strip().str.casefold()
    assert (city.str.startswith("london")).sum() >= 80
    for abroad in ("toronto", "dublin", "paris", "new york"):
        assert city.str.startswith(abroad).any(), abroad
    messy = {"Manchestr", "Huddersfeild", "Edinbrugh", "Online only", "leeds",
             "London, UK", "Leeds, England", "Toronto, Ontario"}
    assert messy <= set(members[CITY])
    assert (members[CITY] == "").sum() >= 2


def test_events_span_and_future_plans(events, attendance):
    past = events[events["starts_at"] <= AS_OF + pd.Timedelta(days=1)]
    future = events[events["starts_at"] > AS_OF + pd.Timedelta(days=1)]
    assert past["starts_at"].min() <= pd.Timestamp("2025-06-30")
    assert 3 <= len(future) <= 4
    assert future["starts_at"].max() <= pd.Timestamp("2026-12-31")
    assert not attendance["Event ID"].isin(future["Event ID"]).any()
    assert (events["Online"] == "Yes").sum() >= 4
    assert (events["City"] == "Toronto").sum() >= 3


def test_latest_event_with_check_ins_is_as_of(came):
    assert came["starts_at"].max().normalize() == AS_OF


def test_statuses_are_eventbrite_words(attendance):
    assert set(attendance["Attendee Status"]) == {
        "Checked In", "Attending", "Cancelled", "Refunded"}


def test_survey_answered_by_about_forty_percent(members):
    for col in (*UCLA, ONS):
        share = (members[col] != "").mean()
        assert 0.3 <= share <= 0.5, col
    assert set(members[ONS]) - {""} == {
        "Never", "Hardly ever", "Occasionally", "Some of the time", "Often/always"}


def test_loneliness_leans_towards_newcomers(members):
    moved = members[MOVED].map(_moved)
    newcomer = moved.map(lambda d: d is not None and d > AS_OF - pd.DateOffset(months=12))
    answered = (members[list(UCLA)] != "").all(axis=1)
    total = sum(members[c].map(UCLA_POINTS).fillna(0) for c in UCLA)
    lonely = total >= 6
    assert newcomer.sum() >= 25
    assert lonely[answered & newcomer].mean() > lonely[answered & ~newcomer].mean()
    assert lonely[answered & ~newcomer].sum() > 0  # not only newcomers
    assert (~lonely[answered & newcomer]).sum() > 0  # and not every newcomer


# --- identity puzzles --------------------------------------------------------


def test_duplicate_sign_ups_differ_only_in_case_and_whitespace(members):
    dup = members[members.duplicated("key", keep=False)]
    assert dup["key"].nunique() == 4
    for _, rows in dup.groupby("key"):
        assert rows["Email Address"].nunique() == 2
        assert rows["Full name"].nunique() == 1


def test_same_name_different_people(members):
    pair = members[members["Full name"] == "Priya Sharma"]
    assert len(pair) == 2 and pair["key"].nunique() == 2
    assert pair[CITY].nunique() == 2


def test_people_only_in_the_attendance_export(members, attendance):
    only = set(attendance["key"]) - set(members["key"])
    assert only == {"chidi.eze@example.org", "freddie.lamb@example.net",
                    "greta.lindahl@example.com", "ravi.krishnan@example.org"}


def test_attendance_for_an_unknown_event(attendance, events):
    unknown = attendance[~attendance["Event ID"].isin(events["Event ID"])]
    assert len(unknown) == 3
    assert set(unknown["Event ID"]) == {"761204398817"}


def test_eventbrite_email_case_differs_for_some(members):
    a = _read("demo_attendance.csv")
    assert "Rohan.Mehta@example.com" in set(a["Email"])
    assert "rohan.mehta@example.com" in set(members["Email Address"])


def test_names_that_must_be_shown_literally(members):
    names = set(members["Full name"])
    assert "<img src=x onerror=alert(1)>" in names
    assert "**bold**" in names
    a = _read("demo_attendance.csv")
    html = a[a["Email"] == "html.name@example.org"]
    assert len(html) >= 3
    assert set(html["First Name"] + " " + html["Last Name"]) == {"<img src=x onerror=alert(1)>"}


# --- the stories -------------------------------------------------------------


def test_hosts_and_organisers_are_the_regular_core(members, came):
    role = members["Role"].str.strip().str.casefold()
    assert 1 <= (role == "organiser").sum() <= 2
    assert (role == "host").sum() >= 8
    assert (role == "volunteer").sum() >= 5
    recent = came[came["starts_at"] > AS_OF - pd.Timedelta(days=182)]
    per = recent.groupby("key").size()
    assert per.get("adaeze.okonkwo@example.com", 0) >= 6
    assert (per >= 6).sum() >= 10


def test_newcomers(members, came):
    by = members.drop_duplicates("key").set_index("key")
    for email, (low, high) in {"marisol.ferreira@example.com": (2, 2),
                               "kenji.watanabe@example.net": (0, 0),
                               "ingrid.solberg@example.org": (1, 1),
                               "tendai.moyo@example.com": (3, 99)}.items():
        moved = _moved(by.loc[email, MOVED])
        assert moved is not None and moved > AS_OF - pd.DateOffset(months=12), email
        assert low <= len(_dates(came, email)) <= high, email


def test_signed_up_long_ago_and_never_came(members, came, attendance):
    never = members[(members["joined"] <= AS_OF - pd.Timedelta(days=30))
                    & ~members["key"].isin(came["key"])]
    assert never["key"].nunique() >= 25
    for email in ("gareth.pryce@example.com", "callum.reid@example.org",
                  "kenji.watanabe@example.net", "bold.name@example.org"):
        assert email in set(never["key"]), email
    callum = attendance[attendance["key"] == "callum.reid@example.org"]
    assert list(callum["Attendee Status"]) == ["Attending", "Attending"]  # two no-shows


def test_came_once_long_ago(members, came):
    per = came.groupby("key")["starts_at"].agg(["size", "max"])
    once = per[(per["size"] == 1) & (per["max"] <= AS_OF - pd.Timedelta(days=60))]
    assert len(once) >= 10
    for email in ("siobhan.kelly@example.com", "priya.sharma87@example.net",
                  "ingrid.solberg@example.org"):
        assert email in once.index, email


def test_lapsed(came):
    per = came.groupby("key")["starts_at"].agg(["size", "max"])
    lapsed = per[(per["size"] >= 3) & (per["max"] <= AS_OF - pd.Timedelta(days=180))]
    assert len(lapsed) >= 12
    assert {"hannah.whitfield@example.com", "olumide.bankole@example.net"} <= set(lapsed.index)


def _drifting(days: list[pd.Timestamp]) -> bool:
    if len(days) < 3 or days[-1] <= AS_OF - pd.Timedelta(days=180):
        return False
    last90 = sum(d > AS_OF - pd.Timedelta(days=90) for d in days)
    prev90 = sum(AS_OF - pd.Timedelta(days=180) < d <= AS_OF - pd.Timedelta(days=90)
                 for d in days)
    gaps = pd.Series(days).diff().dt.days.dropna()
    gap_now = (AS_OF - days[-1]).days
    return last90 < prev90 / 2 or gap_now >= 2 * gaps.median()


def test_drifting(came):
    drifting = [k for k, g in came.groupby("key")
                if _drifting(sorted(g["starts_at"].dt.normalize()))]
    assert len(drifting) >= 8
    assert {"rohan.mehta@example.com", "beth.lockwood@example.org"} <= set(drifting)
    assert _dates(came, "rohan.mehta@example.com")[-1] == pd.Timestamp("2026-08-05")
    assert _dates(came, "beth.lockwood@example.org")[-1] == pd.Timestamp("2026-07-18")


def test_far_from_everyone(members, events, came):
    city = members[CITY].str.strip()
    for place, email in (("Inverness", "morag.fraser@example.com"),
                         ("Aberdeen", "duncan.mackay@example.net"),
                         ("Penzance", "kerenza.trewin@example.org")):
        assert members.loc[city == place, "key"].tolist() == [email]
        assert not (events["City"] == place).any()
    # Morag shows up online, never in person
    morag = came[came["key"] == "morag.fraser@example.com"]
    assert len(morag) >= 1 and (morag["Online"] == "Yes").all()


def test_no_repeat_ties(came):
    email = "yusuf.demir@example.com"
    mine = came.loc[came["key"] == email, "Event ID"]
    assert len(mine) >= 3
    others = came[came["Event ID"].isin(mine) & (came["key"] != email)]
    assert others.groupby("key")["Event ID"].nunique().max() == 1


def test_recent_sign_ups(members, came):
    recent = members[members["joined"] > AS_OF - pd.Timedelta(days=30)]
    assert len(recent) >= 5
    assert "jordan.blake@example.net" in set(recent["key"])
    assert "jordan.blake@example.net" not in set(came["key"])


def test_generator_needs_only_the_standard_library():
    import ast

    tree = ast.parse((DATA / "make_demo.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
