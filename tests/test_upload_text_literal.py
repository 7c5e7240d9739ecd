"""Text from uploads is shown as text on every page, never as markdown (issue 17, defect 5).

Column headers, sheet names, file names and cells made of markdown, HTML, image and
Streamlit-directive syntax go through every note, label, caption, title, alert, metric,
expander and radio option the pages draw; none may arrive unescaped where Streamlit renders
markdown (an image there makes the browser fetch an outside address).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.ui.state import KEY_UPLOADS

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "![px](http://198.51.100.7/h.png)"
BOLD = "**Dup**"
LINK = "[click](http://198.51.100.7/l)"
HTML = "<img src=x onerror=alert(1)>"
COLOUR = ":red[Alarm] :material/warning:"
UNDERSCORE = "__Sheet__"
#: what any of them looks like when it would be rendered (escaped, none of these survive)
RAW = ("![px](", BOLD, "[click](", "<img", ":red[", ":material/", UNDERSCORE, "# Head")
#: element types whose text is shown exactly as given (plain text, tables, code)
PLAIN = {"text", "code", "arrow_data_frame", "arrow_table", "json", "plotly_chart", "deck_gl_json_chart"}
#: proto fields that Streamlit renders as markdown
MARKDOWN_FIELDS = {"body", "label", "help", "placeholder", "captions"}


def members_csv() -> bytes:
    header = ["Name", "Email", "City", IMAGE, IMAGE, BOLD, BOLD, LINK, f"{HTML} {COLOUR}"]
    rows = [
        ["Ann Lee", "ann@example.org", "Leeds", "x", "y", "a", "b", "Leeds", "2026-01-10"],
        ["Bo Chen", "bo@example.org", IMAGE, "x", "y", "a", "b", "York", "2026-02-01"],
        ["Cy Diaz", "cy@example.org", BOLD, "", "", "", "", HTML, "2026-02-03"],
    ]
    return "\n".join(",".join(r) for r in [header, *rows]).encode()


def events_xlsx() -> bytes:
    book = Workbook()
    first = book.active
    first.title = UNDERSCORE
    first.append(["notes"])
    events = book.create_sheet("# Head <img src=x>")
    events.append(["Event ID", "Event name", "Date", "City"])
    events.append(["E1", f"{BOLD} {IMAGE}", "2026-03-01 10:00", "Leeds"])
    events.append(["E2", LINK, "2026-03-08 11:00", IMAGE])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attendance_csv() -> bytes:
    return (b"Event ID,Email,Status\nE1,ann@example.org,attended\nE1,bo@example.org,attended\n"
            b"E2,cy@example.org,attended\nE2,ann@example.org,attended\nE9,zz@example.org,**attended**\n")


def hostile_uploads() -> dict[str, Upload]:
    return {
        # the second copy of the image header fills City's gaps (a "2 columns fill" note), the
        # link header is a second city too, and the HTML header is the join date (a date-order radio)
        "members": Upload(f"{IMAGE}.csv", members_csv(), overrides={
            IMAGE: "city", LINK: "city", f"{HTML} {COLOUR}": "joined_on"}),
        "events": Upload(f"{BOLD}.xlsx", events_xlsx(), sheet="# Head <img src=x>"),
        "attendance": Upload(f"{HTML}.csv", attendance_csv()),
    }


def shown(node) -> list[tuple[str, str]]:
    """(element type, text) for every string Streamlit renders as markdown under ``node``."""
    out: list[tuple[str, str]] = []
    kind = getattr(node, "type", "")
    proto = getattr(node, "proto", None)
    if proto is not None and kind not in PLAIN:
        fields = MessageToDict(proto, preserving_proto_field_name=True)
        for name, value in fields.items():
            if isinstance(value, dict):  # a block: its expander / tab / popover label
                value = {k: v for k, v in value.items() if k in MARKDOWN_FIELDS}
                out += [(f"{kind}.{name}.{k}", str(v)) for k, v in value.items()]
            elif name in MARKDOWN_FIELDS or (name == "options" and kind == "radio"):
                out += [(f"{kind}.{name}", str(v)) for v in (value if isinstance(value, list) else [value])]
    for child in getattr(node, "children", {}).values():
        out += shown(child)
    return out


def leaks(text: str) -> bool:
    """Whether a raw fragment survives once every backslash-escaped character is taken out."""
    bare = re.sub(r"\\.", "\u00a7", text)
    return any(raw in bare for raw in RAW)


PAGES = ["pages/1_Data.py", "app.py", "pages/2_Map.py", "pages/3_Engagement.py",
         "pages/4_Connection_risk.py", "pages/5_Introductions.py"]


@pytest.fixture(scope="module")
def drawn() -> dict[str, AppTest]:
    runs = {}
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.session_state[KEY_UPLOADS] = hostile_uploads()
        if page != "app.py":
            at.switch_page(page)
        at.run()
        runs[page] = at
    return runs


@pytest.mark.parametrize("page", PAGES)
def test_no_upload_text_is_rendered_as_markdown(drawn, page):
    at = drawn[page]
    assert not at.exception, [e.value for e in at.exception]
    rendered = [(kind, text) for kind, text in shown(at._tree) if leaks(text)]
    assert rendered == [], f"{page}: upload text rendered as markdown: {rendered}"


def test_the_leak_check_sees_raw_text_and_passes_escaped_text():
    from dashboard.ui.shell import literal

    for raw in (IMAGE, BOLD, LINK, HTML, COLOUR, UNDERSCORE, "# Head"):
        assert leaks(f"note: {raw}") and not leaks(f"note: {literal(raw)}")


def test_the_data_page_still_says_all_of_it_escaped(drawn):
    """The notes are there (escaped), so the test above is not passing on an empty page."""
    texts = " ".join(text for _, text in shown(drawn["pages/1_Data.py"]._tree))
    assert r"Two columns are called '\!\[px\]\(http\:" in texts
    assert r"columns fill" in texts and r"\*\*Dup\*\*" in texts
    assert r"\_\_Sheet\_\_" in texts or r"\# Head" in texts  # the workbook's sheet names
    assert r"Date order for \<img" in texts
