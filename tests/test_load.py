"""One load path: the report and the app read the same files into the same problems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.__main__ import main
from dashboard.ingest import Upload
from dashboard.ui import loaders

FUTURE = "joined date is in the future"
MEMBERS = b"""Name,Email,City,Joined
Ann Lee,ann@example.org,Leeds,2026-01-05
Bo Chen,bo@example.org,York,2099-03-01
"""


def test_report_and_app_flag_a_2099_sign_up_the_same(tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_bytes(MEMBERS)
    assert main(["report", "--members", str(members), "--out", str(tmp_path / "out")]) == 0
    in_report = pd.read_csv(tmp_path / "out" / "problems.csv", dtype=str, keep_default_na=False)

    uploads = {"members": Upload("members.csv", MEMBERS)}
    in_app = loaders.load(loaders.content_key(uploads, {}, ""), uploads, {}, "").problems

    assert in_report["problem"].str.startswith(FUTURE).sum() == 1
    assert in_report["value"][in_report["problem"].str.startswith(FUTURE)].tolist() == ["2099-03-01"]
    assert in_report[["file", "row", "problem"]].values.tolist() == \
        in_app[["file", "row", "problem"]].astype(str).values.tolist()


def test_load_applies_the_organisers_place_fixes() -> None:
    from dashboard.load import load

    uploads = {"members": Upload("members.csv", b"Name,Email,City\nAnn,ann@example.org,Atlantis\nBo,bo@example.org,Leeds\n")}
    plain = load(uploads, today=pd.Timestamp("2026-06-30"))  # Atlantis, South Africa
    fixed = load(uploads, today=pd.Timestamp("2026-06-30"), manual_places={"Atlantis": "York, GB"})
    assert plain.geocodes.set_index("city_text").loc["Atlantis", "country"] == "ZA"
    row = fixed.geocodes.set_index("city_text").loc["Atlantis"]
    assert (row["status"], row["place"]) == ("manual", "York")
    assert fixed.members.set_index("name").loc["Ann", "lat"] == pytest.approx(53.96, abs=0.05)
