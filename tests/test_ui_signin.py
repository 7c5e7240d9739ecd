"""The sign-in gate under AppTest: open on a laptop, setup message, form, lockout, sign out."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.auth.gate import SETUP_MESSAGE
from dashboard.auth.signin import NO_MATCH
from dashboard.store import Store
from dashboard.store.users import Users
from dashboard.ui import signin

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
PASSWORD = "correct horse battery"
SCRIPT = """
import streamlit as st
from dashboard.ui import signin
policy = signin.require()
st.write("DATA for " + policy.role)
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    store = Store.open(url)
    yield Users(store)
    store.close()


@pytest.fixture
def address():
    before = config.get_option("server.address")

    def set_to(value):
        config.set_option("server.address", value)
    yield set_to
    config.set_option("server.address", before)


def shown(at):
    return " ".join([m.value for m in at.markdown] + [e.value for e in at.error] + [i.value for i in at.info]
                    + [t.value for t in at.title])


def app():
    return AppTest.from_string(SCRIPT, default_timeout=60)


def test_no_users_on_loopback_stays_open(workspace, address):
    address("127.0.0.1")
    at = app().run()
    assert not at.exception and "DATA for organiser" in shown(at)


def test_no_users_on_a_reachable_server_shows_the_setup_message_and_no_data(workspace, address):
    address("0.0.0.0")
    at = app().run()
    assert not at.exception and "DATA" not in shown(at)
    assert SETUP_MESSAGE.split(",")[0] in shown(at)


def test_with_a_user_every_visit_asks_for_sign_in_first(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "viewer", PASSWORD, "test", hasher=CHEAP)
    at = app().run()
    assert not at.exception and "DATA" not in shown(at) and len(at.text_input) == 2


def sign_in(at, email, password):
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_signing_in_lets_the_page_run_with_the_users_role(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    at = sign_in(app().run(), " Ana@example.org", PASSWORD)
    assert not at.exception and "DATA for helper" in shown(at)
    assert any("Signed in as ana@example.org (helper)" in t.value for t in at.sidebar.text)


def test_a_wrong_password_and_an_unknown_email_show_the_same_message(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "viewer", PASSWORD, "test", hasher=CHEAP)
    wrong = sign_in(app().run(), "ana@example.org", "not the password")
    unknown = sign_in(app().run(), "zed@example.org", "not the password")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error] == [NO_MATCH]
    assert "DATA" not in shown(wrong) + shown(unknown)


def test_sign_out_returns_to_the_form(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "viewer", PASSWORD, "test", hasher=CHEAP)
    at = sign_in(app().run(), "ana@example.org", PASSWORD)
    at = at.sidebar.button[0].click().run()
    assert "DATA" not in shown(at) and "You are signed out." in shown(at)


def test_a_role_change_applies_on_the_next_rerun(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "organiser", PASSWORD, "test", hasher=CHEAP)
    workspace.add("bo@example.org", "organiser", PASSWORD, "test", hasher=CHEAP)
    at = sign_in(app().run(), "bo@example.org", PASSWORD)
    workspace.set_role("bo@example.org", "viewer", "test")
    assert "DATA for viewer" in shown(at.run())


def test_an_idle_session_must_sign_in_again(workspace, address):
    from datetime import UTC, datetime, timedelta

    address("127.0.0.1")
    workspace.add("ana@example.org", "viewer", PASSWORD, "test", hasher=CHEAP)
    at = sign_in(app().run(), "ana@example.org", PASSWORD)
    at.session_state[signin.KEY_SIGNED_IN] = signin.SignedIn("ana@example.org", datetime.now(UTC) - timedelta(hours=1))
    at = at.run()
    assert "DATA" not in shown(at) and "without activity" in shown(at)


EMAIL_SCRIPT = """
import streamlit as st
from dashboard.ui import signin
signin.require()
st.text("who: " + repr(signin.current_email()))
"""


def test_current_email_is_blank_when_open_and_the_users_once_signed_in(workspace, address):
    address("127.0.0.1")
    at = AppTest.from_string(EMAIL_SCRIPT, default_timeout=60).run()
    assert [t.value for t in at.text] == ["who: ''"]
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    at = AppTest.from_string(EMAIL_SCRIPT, default_timeout=60).run()
    assert not [t.value for t in at.text]  # the form: nobody yet
    at = sign_in(at, "Ana@Example.org ", PASSWORD)
    assert "who: 'ana@example.org'" in [t.value for t in at.text]


# --- the first organiser, from the server's own machine ------------------------------------


def first_organiser(at, email, password, again):
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    at.text_input[2].input(again)
    return next(b for b in at.button if b.label == "Create and sign in").click().run()


def test_a_reachable_server_offers_the_first_organiser_only_to_a_browser_on_its_own_machine(
        workspace, address, monkeypatch):
    address("0.0.0.0")
    assert not any(b.label == "Create and sign in" for b in app().run().button)  # from elsewhere: the message only
    monkeypatch.setattr(signin, "is_local_visit", lambda: True)
    at = first_organiser(app().run(), "ana@example.org", PASSWORD, PASSWORD + "!")
    assert "differ" in shown(at) and workspace.count() == 0
    at = first_organiser(at, "ana@example.org", "short", "short")
    assert "at least 12" in shown(at) and workspace.count() == 0
    at = first_organiser(at, " Ana@example.org", PASSWORD, PASSWORD)
    assert not at.exception and "DATA for organiser" in shown(at)
    assert [(u.email, u.role) for u in workspace.list()] == [("ana@example.org", "organiser")]
    assert workspace.audit()[0].detail == "ana@example.org as organiser (the first, in the app)"


# --- a workspace that can't be used ---------------------------------------------------------


def test_an_unusable_workspace_stays_open_on_loopback_and_shows_nothing_when_reachable(tmp_path, monkeypatch, address):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("NEIGHBOURLY_DB", f"sqlite:///{tmp_path}/a-file/w.db")
    address("127.0.0.1")
    assert "DATA for organiser" in shown(app().run())  # this machine alone: as before, nothing kept
    address("0.0.0.0")
    at = app().run()
    assert not at.exception and "DATA" not in shown(at) and "nobody can sign in" in shown(at)


# --- audited downloads ----------------------------------------------------------------------

DOWNLOAD_SCRIPT = """
import streamlit as st
from dashboard.auth.roles import policy_for
from dashboard.ui import shell, signin
policy = signin.require()
shell.personal_download(policy, "Download list (CSV)", lambda: b"name\\nAna", "list.csv", "text/csv", "check-in list")
"""


def test_a_personal_download_is_for_roles_allowed_one_and_recorded_when_fetched(workspace, address, monkeypatch):
    import streamlit

    address("127.0.0.1")
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    workspace.add("vic@example.org", "viewer", PASSWORD, "test", hasher=CHEAP)
    builds = []
    real = streamlit.download_button
    monkeypatch.setattr(streamlit, "download_button",
                        lambda label, data, *a, **k: builds.append(data) or real(label, data, *a, **k))
    at = sign_in(AppTest.from_string(DOWNLOAD_SCRIPT, default_timeout=60).run(), "vic@example.org", PASSWORD)
    assert not builds and not list(at.get("download_button"))  # a viewer: no button at all
    at = sign_in(AppTest.from_string(DOWNLOAD_SCRIPT, default_timeout=60).run(), "ana@example.org", PASSWORD)
    assert len(builds) == 1 and len(list(at.get("download_button"))) == 1
    assert not [e for e in workspace.audit() if e.action == "download"]  # drawn, not fetched: nothing yet
    assert builds[0]() == b"name\nAna"  # what the browser's click asks the server for
    entry = next(e for e in workspace.audit() if e.action == "download")
    assert (entry.actor, entry.detail) == ("ana@example.org", "check-in list (list.csv)")


# --- an identity provider (st.login), with no network: st.user stands in for its answer --------

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 32,
        "google": {"client_id": "id", "client_secret": "secret",
                   "server_metadata_url": "https://accounts.example/.well-known/openid-configuration"}}


class ProviderUser:
    """What ``st.user`` says after a provider signed someone in."""

    def __init__(self, claims):
        self.claims, self.is_logged_in = claims, True

    def to_dict(self):
        return dict(self.claims)

    def get(self, key, default=None):
        return True if key == "is_logged_in" else self.claims.get(key, default)


def with_auth():
    at = app()
    at.secrets["auth"] = AUTH
    return at


def test_a_configured_provider_is_offered_beside_the_form(workspace, address):
    address("127.0.0.1")
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    assert [b.label for b in with_auth().run().button] == ["Sign in", "Sign in with Google"]
    assert [b.label for b in app().run().button] == ["Sign in"]  # no [auth]: the form alone


def test_a_provider_identity_signs_in_as_the_user_with_that_email(workspace, address, monkeypatch):
    import streamlit

    address("127.0.0.1")
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    monkeypatch.setattr(streamlit, "user", ProviderUser({"email": "Ana@Example.org", "email_verified": True,
                                                         "iss": "https://accounts.example"}))
    at = with_auth().run()
    assert not at.exception and "DATA for helper" in shown(at)
    assert workspace.audit()[0].detail == "with https://accounts.example"


def test_a_provider_identity_with_no_account_here_is_told_so_once_and_can_sign_out(workspace, address, monkeypatch):
    import streamlit

    address("127.0.0.1")
    workspace.add("ana@example.org", "helper", PASSWORD, "test", hasher=CHEAP)
    logouts = []
    monkeypatch.setattr(streamlit, "user", ProviderUser({"email": "zed@example.org"}))
    monkeypatch.setattr(streamlit, "logout", lambda: logouts.append(1))
    at = with_auth().run().run()
    assert "DATA" not in shown(at) and len(at.text_input) == 2  # the form, for another account
    assert any("zed@example.org has no account in this workspace" in w.value for w in at.warning)
    assert [e.action for e in workspace.audit()].count("sign_in_failed") == 1  # two runs, one record
    next(b for b in at.button if b.label == "Sign out of that account").click().run()
    assert logouts == [1]
