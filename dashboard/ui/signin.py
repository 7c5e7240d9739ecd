"""The sign-in gate every page passes before any data loads (``require()``), and "Sign out".

Whether to ask comes from ``dashboard.auth.gate.access``: the workspace's user count and
Streamlit's ``server.address``. The signed-in user's role is read back from the workspace
on every rerun, so a role change or a removal takes effect at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from dashboard.auth.gate import SETUP_MESSAGE, access
from dashboard.auth.roles import ORGANISER, Policy, policy_for
from dashboard.auth.signin import IDLE_ENV, idle_timeout, session_expired
from dashboard.store import Store, StoreError
from dashboard.store.users import Users

KEY_SIGNED_IN = "_signed_in"  # SignedIn, while this browser session is signed in
KEY_SIGNED_OUT = "_signed_out_note"


@dataclass(frozen=True)
class SignedIn:
    """Who this browser session is, and when it was last active."""

    email: str
    last_seen: datetime


@st.cache_resource(show_spinner=False)
def users() -> Users:
    """The workspace's users (one store per server process; each call opens its own transaction)."""
    return Users(Store.open())


def current_email() -> str:
    """The email of the user signed in to this browser session; "" when nobody is (the app is
    open on one's own laptop, or the page is not past the sign-in yet)."""
    session = st.session_state.get(KEY_SIGNED_IN)
    return session.email if isinstance(session, SignedIn) else ""


def _form(workspace: Users) -> None:
    st.title("Sign in to Neighbourly")
    note = st.session_state.pop(KEY_SIGNED_OUT, "")
    if note:
        st.info(note)
    with st.form("sign_in"):
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        attempt = workspace.sign_in(email, password)
        if attempt.ok and attempt.account is not None:
            st.session_state[KEY_SIGNED_IN] = SignedIn(attempt.account.email, datetime.now(UTC))
            st.rerun()
        st.error(attempt.message, icon=":material/lock:")


def _signed_in(workspace: Users) -> Policy | None:
    """This session's policy, or None when it must sign in (again)."""
    session = st.session_state.get(KEY_SIGNED_IN)
    if session is None:
        return None
    now = datetime.now(UTC)
    if session_expired(session.last_seen, now, idle_timeout(os.environ.get(IDLE_ENV))):
        st.session_state.pop(KEY_SIGNED_IN, None)
        st.session_state[KEY_SIGNED_OUT] = "You were signed out after a while without activity. Sign in again."
        return None
    user = workspace.get(session.email)
    if user is None:  # removed meanwhile
        st.session_state.pop(KEY_SIGNED_IN, None)
        return None
    st.session_state[KEY_SIGNED_IN] = SignedIn(session.email, now)
    with st.sidebar:
        st.text(f"Signed in as {user.email} ({user.role})")  # plain text: an email may hold markdown signs
        if st.button("Sign out", icon=":material/logout:"):
            st.session_state.pop(KEY_SIGNED_IN, None)
            st.session_state[KEY_SIGNED_OUT] = "You are signed out."
            st.rerun()
    return policy_for(user.role)


def require() -> Policy:
    """The policy this session works under; stops the page with the sign-in form or the
    setup message when nobody may see data yet. Call before loading any data."""
    try:
        workspace = users()
        count = workspace.count()
    except StoreError as exc:
        st.error(f"The workspace database can't be used: {exc}", icon=":material/error:")
        st.stop()
    state = access(count, st.get_option("server.address"))
    if state == "open":
        return policy_for(ORGANISER)
    if state == "setup":
        st.title("Neighbourly needs a first account")
        st.info(SETUP_MESSAGE, icon=":material/lock:")
        st.stop()
    policy = _signed_in(workspace)
    if policy is None:
        _form(workspace)
        st.stop()
    return policy
