"""The Data page's data duties: what the retention setting deletes and when, forgetting a person
(erasure), and everything the workspace holds about a person (a subject access request).

The work is the core's (``dashboard.erasure``); this module lays it out, clears the shared
caches after an erasure, and records both in the audit log (counts only, never who).
"""

from __future__ import annotations

import json

import streamlit as st

from dashboard import erasure
from dashboard.auth.roles import Policy
from dashboard.ui import shell, signin, workspace
from dashboard.words import plural


def _who(key: str) -> tuple[str, str]:
    """An email or a member id typed by the organiser: (email, member_id)."""
    text = st.text_input("Email or member id", key=key, max_chars=320).strip()
    return (text, "") if "@" in text else ("", text)


def section(policy: Policy) -> None:
    """Retention in words, then (for roles allowed erasure) "Forget a person" and "Everything about
    a person"."""
    note = workspace.retention_note()
    if note:
        st.caption(note)
    if not policy.erasure:
        shell.role_note(policy, "Erasing a person and access requests are for organisers")
        return
    if workspace.store() is None:
        return
    with st.expander("Forget a person (erasure)", icon=":material/person_remove:"):
        st.caption("Removes them from every kept snapshot's files, the contact log and the introductions, and "
                   "clears the app's caches. Only the number of rows erased is kept. Uploads in a browser "
                   "session that were never kept are not touched. This can't be undone.")
        email, member_id = _who("forget_who")
        sure = st.checkbox("Yes, erase this person everywhere", key="forget_sure")
        named = bool(email or member_id)
        if st.button("Forget this person", icon=":material/delete_forever:", disabled=not (sure and named)):
            try:
                with st.spinner("Erasing: every kept snapshot is rewritten, then the database compacted…"):
                    erased = workspace.forget(email, member_id)
            except erasure.ErasureError as exc:
                st.error(str(exc))  # our own words
                return
            if erased is not None:
                signin.recorder()("erasure", f"1 person, {plural(erased.rows, 'row')}")
                st.success(f"Erased: {plural(erased.rows, 'row')} "
                           f"({plural(erased.detail['snapshot_file_rows'], 'row')} in kept files, "
                           f"{plural(erased.detail['contact_log'], 'contact log entry', 'contact log entries')}, "
                           f"{plural(erased.detail['introductions'], 'introduction')}).")
    with st.expander("Everything about a person (access request)", icon=":material/person_search:"):
        st.caption("One JSON file with their rows from every kept snapshot, their contact log and their "
                   "introductions.")
        email, member_id = _who("access_who")
        if email or member_id:
            s = workspace.store()
            if s is not None:
                shell.personal_download(
                    policy, "Download everything about them (JSON)",
                    lambda: json.dumps(erasure.subject_access(s, email, member_id), indent=2).encode(),
                    "subject-access.json", "application/json", "everything about one person", key="access_download")
