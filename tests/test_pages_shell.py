"""Overview and Data pages under AppTest, with the shared sidebar."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def app(page: str = "app.py") -> AppTest:
    """The app with ``page`` selected, as a browser would open it (entry file app.py)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page != "app.py":
        at.switch_page(page)
    return at


def run(page: str) -> AppTest:
    at = app(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_opens_on_the_demo_community():
    at = run("app.py")
    assert at.title[0].value == "Neighbourly"
    assert metric(at, "Members") == "288"  # 301 people; 13 organisers and hosts left out (the default)
    assert int(metric(at, "High")) > 0
    week = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert len(week) == 10  # "check-ins I can do this week", by default
    assert any("more people are waiting on the full check-in list" in c.value for c in at.caption)
    assert any("demo community" in c.value for c in at.sidebar.caption)


def test_city_filter_narrows_the_overview():
    at = run("app.py")
    at.sidebar.multiselect(key="city").set_value(["Leeds"]).run()
    assert not at.exception
    assert 0 < int(metric(at, "Members")) < 288


def test_data_page_lists_problems_of_the_demo():
    at = run("pages/1_Data.py")
    assert metric(at, "Members") == "301"
    problems = next(d.value for d in at.dataframe if "value" in d.value.columns)
    assert {"file", "row", "column", "value", "problem"} <= set(problems.columns)
    assert problems["problem"].str.contains("event not found").sum() == 3
    kinds = next(d.value for d in at.dataframe if "first_row" in d.value.columns)  # the same problems, by kind
    assert kinds["rows"].sum() == len(problems)
    assert kinds.set_index("problem").loc[
        "event not found in the events file: row not counted (check the event id or name)", "rows"] == 3


def test_data_page_upload_replaces_the_demo():
    at = run("pages/1_Data.py")
    members = b"Name,Email,City\nAnn Lee,ann@example.org,Leeds\nBo Chen,bo@example.org,York\n"
    at.file_uploader(key="upload_members").set_value(("members.csv", members, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Members") == "2"


def test_unusable_upload_says_why_without_a_traceback():
    at = run("pages/1_Data.py")
    at.file_uploader(key="upload_members").set_value(("members.csv", b"Shoe size,Colour\n9,red\n", "text/csv")).run()
    assert not at.exception
    assert any(r"Columns found\: Shoe size, Colour" in e.value for e in at.error)


def test_upload_text_in_alerts_is_escaped_not_rendered():
    at = run("pages/1_Data.py")
    at.file_uploader(key="upload_members").set_value(("**evil**.csv", b"Shoe size,[x](y)\n9,red\n", "text/csv")).run()
    assert not at.exception
    message = next(e.value for e in at.error if "Columns found" in e.value)  # escaped, shown literally
    assert r"\*\*evil\*\*" in message and r"\[x\]\(y\)" in message


def test_literal_escapes_markdown_html_and_shortcodes():
    from dashboard.ui.shell import literal

    assert literal("<b>**x**</b> :smile:") == r"\<b\>\*\*x\*\*\<\/b\> \:smile\:".replace(r"\/", "/")


def test_every_page_file_is_in_the_one_list_of_pages():
    from dashboard.ui.shell import PAGES

    on_disk = {"app.py", *(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))}
    assert {path for path, _, _ in PAGES} == on_disk
    assert len({title for _, title, _ in PAGES}) == len(PAGES)
