"""Each upload is read once in the app: the Data page's preview and the load share the read,
and changing a column's mapping reads nothing again (issue 17, defect 4)."""

import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest import describe, pipeline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def reads(monkeypatch):
    """The file names read_table was called with, wherever it is called from."""
    calls: list[str] = []
    real = pipeline.read_table

    def counting(data, filename="file", *args, **kwargs):
        calls.append(filename)
        return real(data, filename, *args, **kwargs)

    monkeypatch.setattr(pipeline, "read_table", counting)
    monkeypatch.setattr(describe, "read_table", counting, raising=False)
    return calls


def test_the_data_page_reads_an_upload_once(reads):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/1_Data.py")
    at.run()
    name = f"members-{uuid.uuid4().hex[:8]}.csv"  # nothing cached from another test
    members = b"Name,Email,City,Shoe\nAnn Lee,ann@example.org,Leeds,9\nBo Chen,bo@example.org,York,7\n"
    at.file_uploader(key="upload_members").set_value((name, members, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert reads.count(name) == 1
    at.run()  # a rerun (a filter click) reads nothing
    assert reads.count(name) == 1


def test_the_data_page_says_the_one_upload_limit():
    from dashboard.ingest.read import MAX_UPLOAD_MB

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/1_Data.py")
    at.run()
    assert not at.exception
    assert any(f"Up to {MAX_UPLOAD_MB} MB a file" in c.value for c in at.caption)
