"""The Introductions page under AppTest, on the demo community."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import introductions

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def page() -> AppTest:
    """The page reached from the app's entry file (as a visitor would), run once."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/5_Introductions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def opened() -> AppTest:
    return page()


def metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def review_frame(at: AppTest):
    # the suggestion table is the first dataframe-like element (st.data_editor)
    return at.dataframe[0].value


def pick_decisions(at: AppTest, edited_rows: dict) -> None:
    """What st.data_editor records when the organiser picks decisions (its key names the pairs shown)."""
    key = f"intro_review_{introductions.review_key(review_frame(at))}"
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def test_page_shows_every_section(opened):
    headings = [s.value for s in opened.main.subheader]
    assert headings == [
        "Buddy suggestions",
        "Where the next meetup would reach most people at risk",
        "Quiet cities",
        "Who has met whom",
    ]
    assert len(opened.get("plotly_chart")) == 1


def test_suggestions_respect_capacity_and_are_undecided(opened):
    table = review_frame(opened)
    assert metric(opened, "Suggestions") == len(table) > 0
    assert metric(opened, "With a suggestion") <= metric(opened, "People at risk in view")
    assert (table["decision"] == "undecided").all()
    assert (table.groupby("buddy_id").size() <= 2).all()
    assert (table["member_id"] != table["buddy_id"]).all()


def test_meetup_placement_table(opened):
    chosen = opened.dataframe[1].value
    assert list(chosen["order"]) == list(range(1, len(chosen) + 1)) and 1 <= len(chosen) <= 3
    assert chosen["cumulative_covered"].is_monotonic_increasing
    assert 0 < chosen["share_covered"].iloc[-1] <= 1


def test_fewer_places_when_asked(opened):
    at = page()
    at.number_input(key="intro_k").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe[1].value) == 1


def test_approving_one_offers_an_export_with_the_message():
    at = page()
    table = review_frame(at)
    pick_decisions(at, {0: {"decision": "approve"}, 1: {"decision": "decline"}})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value == "1 approved, 1 declined." for t in at.text)
    preview = at.dataframe[1].value
    assert len(preview) == 1
    assert preview["message"].iloc[0].startswith(f"Hi {table.loc[0, 'name']},")
    assert at.get("download_button")


def test_template_placeholders_cannot_reach_python(opened):
    at = page()
    pick_decisions(at, {0: {"decision": "approve"}})
    at.run()
    at.text_area(key="intro_template").set_value("{name.__class__} {buddy_name}").run()
    assert not at.exception, [e.value for e in at.exception]
    message = at.dataframe[1].value["message"].iloc[0]
    assert message.startswith("{name.__class__} ")


def test_network_city_can_be_changed(opened):
    at = page()
    choices = at.selectbox(key="intro_city").options
    assert len(choices) > 1
    at.selectbox(key="intro_city").set_value(choices[1]).run()
    assert not at.exception, [e.value for e in at.exception]


def test_city_filter_narrows_the_suggestions(opened):
    at = page()
    at.sidebar.multiselect(key="city").set_value(["Leeds"]).run()
    assert not at.exception, [e.value for e in at.exception]
    table = review_frame(at)
    assert set(table["city"]) <= {"Leeds"}
    assert metric(at, "Suggestions") <= metric(opened, "Suggestions")


def test_decisions_and_the_template_survive_a_visit_to_another_page():
    at = page()
    table = review_frame(at)
    pick_decisions(at, {0: {"decision": "approve"}, 1: {"decision": "decline"}})
    at.run()
    at.text_area(key="intro_template").set_value("Hello {name}, meet {buddy_name}.").run()
    at.switch_page("pages/2_Map.py")
    at.run()  # the editor and the text box are not drawn here, so Streamlit forgets their state
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/5_Introductions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value == "1 approved, 1 declined." for t in at.text)
    again = review_frame(at)
    assert again.loc[0, "decision"] == "approve" and again.loc[1, "member_id"] == table.loc[1, "member_id"]
    assert at.dataframe[1].value["message"].iloc[0] == f"Hello {table.loc[0, 'name']}, meet {table.loc[0, 'buddy_name']}."
