"""Accounts on the Data page: the first organiser (from the server's own computer) and, for
organisers, who has an account and the audit log (sign-ins, downloads, erasures, user changes)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth.roles import Policy
from dashboard.store import StoreError
from dashboard.store.users import AuditEntry, User, Users
from dashboard.ui import signin

#: the newest audit records shown (the database keeps them all)
AUDIT_SHOWN = 200
CLI = "python -m dashboard users add you@example.org --role organiser"


def _when(moment) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def users_table(users: list[User]) -> pd.DataFrame:
    """The users as organisers see them listed (never a password hash)."""
    return pd.DataFrame({
        "email": [u.email for u in users],
        "role": [u.role for u in users],
        "created (UTC)": [_when(u.created_at) for u in users],
        "last sign-in (UTC)": [_when(u.last_sign_in_at) for u in users],
        "locked until (UTC)": [_when(u.locked_until) for u in users],
    })


def audit_table(entries: list[AuditEntry]) -> pd.DataFrame:
    """The audit records as organisers see them, newest first."""
    return pd.DataFrame({
        "when (UTC)": [_when(e.at) for e in entries],
        "who": [e.actor for e in entries],
        "what": [e.action.replace("_", " ") for e in entries],
        "detail": [e.detail for e in entries],
    })


def _first_organiser(accounts: Users) -> None:
    st.subheader("Sharing with co-organisers")
    if not signin.is_local_visit():
        st.caption(f"To share this workspace, create an organiser account on the server: `{CLI}`.")
        return
    st.caption("Nobody signs in while this app runs on your computer alone and has no accounts. To share it, "
               "create an organiser account: from then on every page asks to sign in. Add co-organisers, "
               "helpers and viewers with `python -m dashboard users add` (see the README).")
    with st.expander("Create the first organiser account", icon=":material/person_add:"):
        signin.first_organiser_form(accounts)


def section(policy: Policy) -> None:
    """The Data page's accounts section (nothing at all for helpers and viewers)."""
    if not policy.manage_users:
        return
    try:
        accounts = signin.users()
        users = accounts.list()
        entries = accounts.audit(AUDIT_SHOWN)
    except StoreError:
        return  # nothing is kept: the page said so under "Workspace"
    if not users:
        _first_organiser(accounts)
    else:
        st.subheader("Accounts")
        st.dataframe(users_table(users), hide_index=True, width="stretch")
        st.caption("Add, remove or change users on the server with `python -m dashboard users add | remove | role`.")
    with st.expander(f"Audit log (the newest {AUDIT_SHOWN})", icon=":material/policy:"):
        st.caption("Sign-ins and failed sign-ins, user changes, downloads of personal data, snapshots kept and "
                   "deleted, erasures: who, what and when, never whose data.")
        st.dataframe(audit_table(entries), hide_index=True, width="stretch")
