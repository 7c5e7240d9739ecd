"""The sign-in gate every page passes before any data loads (``require()``), and "Sign out".

Whether to ask comes from ``dashboard.auth.gate.access``: the workspace's user count and
Streamlit's ``server.address``. The signed-in user's role is read back from the workspace
on every rerun, so a role change or a removal takes effect at once. When ``[auth]`` in
``.streamlit/secrets.toml`` configures an identity provider, ``st.login`` is offered too,
and its identity is matched to the same users by email (``dashboard.auth.provider``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.auth import gate, provider
from dashboard.auth.gate import SETUP_MESSAGE, access, is_loopback
from dashboard.auth.passwords import MIN_LENGTH
from dashboard.auth.roles import ORGANISER, Policy, policy_for
from dashboard.auth.signin import IDLE_ENV, idle_timeout, session_expired
from dashboard.store import StoreError
from dashboard.store.users import UserError, Users
from dashboard.ui import server, workspace

KEY_SIGNED_IN = "_signed_in"  # SignedIn, while this browser session is signed in
KEY_SIGNED_OUT = "_signed_out_note"
KEY_REFUSED = "_provider_refused"  # the email an identity provider signed in that has no account here
#: who the audit log names for what is done with no sign-in (the app open on one's own machine)
OPEN_ACTOR = "(no sign-in: on this computer)"
PASSWORD, PROVIDER = "password", "provider"  # SignedIn.via: the app's own form, or st.login


@dataclass(frozen=True)
class SignedIn:
    """Who this browser session is, when it was last active, and how it signed in."""

    email: str
    last_seen: datetime
    via: str = PASSWORD


def users() -> Users:
    """The workspace's users, through the app's one cached store (``StoreError`` if unusable)."""
    return Users(workspace.open_store())


def current_email() -> str:
    """The email of the user signed in to this browser session; "" when nobody is (the app is
    open on one's own laptop, or the page is not past the sign-in yet)."""
    session = st.session_state.get(KEY_SIGNED_IN)
    return session.email if isinstance(session, SignedIn) else ""


def recorder() -> Callable[[str, str], None]:
    """``record(action, detail)`` for the audit log, naming whoever this session is now (made
    while the page runs: a download's data is built later, outside it). Nothing is recorded
    when the workspace can't be used: then nothing is kept at all, and the page said so."""
    actor = current_email() or OPEN_ACTOR

    def record(action: str, detail: str) -> None:
        try:
            users().record(actor, action, detail)
        except StoreError:
            pass
    return record


def is_local_visit() -> bool:
    """Whether this browser runs on the server's own machine (not through a proxy)."""
    ctx = get_script_run_ctx()
    peer = server.peer_ip(ctx.session_id if ctx is not None else None)
    return gate.is_local_visit(peer, {str(k): str(v) for k, v in st.context.headers.items()})


def _start(email: str, via: str) -> None:
    st.session_state[KEY_SIGNED_IN] = SignedIn(email, datetime.now(UTC), via)
    st.session_state.pop(KEY_SIGNED_OUT, None)


def first_organiser_form(accounts: Users) -> None:
    """Create the workspace's first organiser from a browser on this machine, and sign them in."""
    with st.form("first_organiser"):
        st.write("**Create the first organiser account** (from this computer only)")
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input(f"Password (at least {MIN_LENGTH} characters)", type="password",
                                 autocomplete="new-password")
        again = st.text_input("The password again", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Create and sign in", type="primary")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ: type the same one twice.", icon=":material/error:")
        return
    try:
        user = accounts.add_first_organiser(email, password, OPEN_ACTOR)
    except (UserError, StoreError) as exc:
        st.error(f"No account was made: {exc}.", icon=":material/error:")
        return
    _start(user.email, PASSWORD)
    st.rerun()


def _auth_section() -> Mapping[str, object]:
    """``[auth]`` of ``.streamlit/secrets.toml`` ({} without one)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, ValueError):
        return {}
    return section if isinstance(section, Mapping) else {}


def _providers() -> tuple[str, ...]:
    return provider.providers(_auth_section())


def _provider_buttons(names: tuple[str, ...]) -> None:
    for name in names:
        if st.button(provider.label(name), key=f"login_{name}", icon=":material/login:"):
            st.login(None if name == provider.DEFAULT else name)


def _form(accounts: Users, names: tuple[str, ...]) -> None:
    st.title("Sign in to Neighbourly")
    note = st.session_state.pop(KEY_SIGNED_OUT, "")
    if note:
        st.info(note)
    with st.form("sign_in"):
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        attempt = accounts.sign_in(email, password)
        if attempt.ok and attempt.account is not None:
            _start(attempt.account.email, PASSWORD)
            st.rerun()
        st.error(attempt.message, icon=":material/lock:")
    _refused_note()
    _provider_buttons(names)


def _provider_signed_in() -> bool:
    """Whether a provider's sign-in cookie came with this session (``st.user`` has no
    ``is_logged_in`` at all where Streamlit finds no ``[auth]`` file)."""
    return bool(st.user.get("is_logged_in", False))


def _from_provider(accounts: Users, names: tuple[str, ...]) -> SignedIn | None:
    """The session of someone an identity provider signed in (its cookie outlives this session);
    None when nobody did, or their email has no account here (said once, above the form)."""
    if not names or not _provider_signed_in():
        return None
    claims = st.user.to_dict()
    shown = str(claims.get("email") or "(no verified email)")
    if st.session_state.get(KEY_REFUSED) == shown:
        return None  # refused already: not one audit record per rerun
    user = accounts.provider_sign_in(provider.provider_email(claims), str(claims.get("iss") or "identity provider"))
    if user is None:
        st.session_state[KEY_REFUSED] = shown
        return None
    _start(user.email, PROVIDER)
    return st.session_state[KEY_SIGNED_IN]


def _refused_note() -> None:
    """Tell someone the provider signed in that their email has no account, and let them leave it."""
    refused = st.session_state.get(KEY_REFUSED)
    if refused is None or not _provider_signed_in():
        return
    st.warning(f"{refused} has no account in this workspace: ask an organiser to add it, or sign in with "
               "another account.", icon=":material/person_off:")
    if st.button("Sign out of that account", icon=":material/logout:"):
        st.session_state.pop(KEY_REFUSED, None)
        st.logout()


def _forget(session: SignedIn, note: str) -> None:
    """End this session's sign-in (and the provider's, whose cookie would sign it in again)."""
    st.session_state.pop(KEY_SIGNED_IN, None)
    st.session_state[KEY_SIGNED_OUT] = note
    if session.via == PROVIDER and _provider_signed_in():
        st.logout()


def _signed_in(accounts: Users, names: tuple[str, ...]) -> Policy | None:
    """This session's policy, or None when it must sign in (again)."""
    session = st.session_state.get(KEY_SIGNED_IN)
    if not isinstance(session, SignedIn):
        session = _from_provider(accounts, names)
        if session is None:
            return None
    now = datetime.now(UTC)
    if session_expired(session.last_seen, now, idle_timeout(os.environ.get(IDLE_ENV))):
        _forget(session, "You were signed out after a while without activity. Sign in again.")
        return None
    user = accounts.get(session.email)
    if user is None:  # removed meanwhile
        st.session_state.pop(KEY_SIGNED_IN, None)
        return None
    st.session_state[KEY_SIGNED_IN] = SignedIn(session.email, now, session.via)
    with st.sidebar:
        st.text(f"Signed in as {user.email} ({user.role})")  # plain text: an email may hold markdown signs
        if st.button("Sign out", icon=":material/logout:"):
            _forget(session, "You are signed out.")
            st.rerun()
    return policy_for(user.role)


def _setup(accounts: Users) -> None:
    st.title("Neighbourly needs a first account")
    if is_local_visit():
        st.info("This server can be reached from other machines, so it shows no member data until someone "
                "signs in. You are on the server's own computer: create the first organiser here.",
                icon=":material/lock:")
        first_organiser_form(accounts)
    else:
        st.info(SETUP_MESSAGE, icon=":material/lock:")


def require() -> Policy:
    """The policy this session works under; stops the page with the sign-in form or the
    setup message when nobody may see data yet. Call before loading or drawing any data."""
    address = st.get_option("server.address")
    try:
        accounts = users()
        count = accounts.count()
    except StoreError as exc:
        if is_loopback(address):  # this machine alone: open as before (nothing is kept, and it says so)
            return policy_for(ORGANISER)
        st.error(f"The workspace database can't be used, so nobody can sign in: {exc}", icon=":material/error:")
        st.stop()
    state = access(count, address)
    if state == "open":
        return policy_for(ORGANISER)
    if state == "setup":
        _setup(accounts)
        st.stop()
    names = _providers()
    policy = _signed_in(accounts, names)
    if policy is None:
        _form(accounts, names)
        st.stop()
    return policy
