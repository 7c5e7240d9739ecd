"""The Overview's "What changed since <date>" panel: who joined, came back, newly might welcome a
check-in, no longer does, or left the lists, compared with the earlier kept snapshot.

The comparison is the core's (``dashboard.changes.since``), cached by the two snapshots' keys
(``workspace.changes_since``); this module only lays it out. Names are shown as text, and only
to roles that see people one by one (``Policy.per_person``): a viewer sees how many, never who.
"""

from __future__ import annotations

import streamlit as st

from dashboard import changes
from dashboard.ui import workspace
from dashboard.ui.shell import PageContext, full_members, literal


def panel(ctx: PageContext) -> None:
    """Draw the panel when the session's data has an earlier snapshot to compare with."""
    if ctx.is_demo:
        return
    # the comparison needs the unredacted analysis (ids and emails match people across snapshots)
    key, members = full_members(ctx)
    found = workspace.changes_since(key, ctx.as_of, ctx.settings, members)
    if found is None:
        return
    earlier, frame = found
    show_names = ctx.policy.per_person
    st.subheader(f"What changed since {earlier.created_at:%d %B %Y}")
    st.caption(f"Compared with snapshot {earlier.id}, kept {earlier.created_at:%Y-%m-%d %H:%M} UTC. "
               "Across the whole workspace: the sidebar's filters don't apply here.")
    found_lines = changes.lines(frame)
    if not found_lines:
        st.info("Nobody joined, came back or left, and the check-in list has the same people.",
                icon=":material/check_circle:")
    for line in found_lines:
        people = f": {literal(line.names)}" if show_names else ""
        st.markdown(f"**{line.label}** ({line.count}){people}")
