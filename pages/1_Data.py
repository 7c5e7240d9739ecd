"""Data: upload spreadsheets, see what was understood, correct it, list unusable rows."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.export import to_csv_bytes
from dashboard.ingest import Upload
from dashboard.ingest.dates import AUTO, DAY_FIRST, MONTH_FIRST
from dashboard.ingest.describe import PROBLEMS_SHOWN, edited_overrides, field_choices, field_label, mapping_table
from dashboard.ingest.mapping import DATE_FIELDS
from dashboard.ingest.read import MAX_UPLOAD_MB
from dashboard.ui import accounts, duties, loaders, shell, signin, workspace
from dashboard.ui.state import KEY_COUNTRY, KEY_UPLOADS
from dashboard.words import plural

KINDS = {
    "members": ("Members", "A sign-up form export (Google Forms), a Meetup member list or your own sheet."),
    "events": ("Events", "Your event list: id or title, date, city, venue, online."),
    "attendance": ("Attendance", "Ticket, RSVP or check-in exports (Eventbrite, Meetup) or a tick grid."),
}

shell.page_config("Data")
policy = signin.require()  # before the uploaders and before the workspace's snapshot is followed
st.title("Your data")


def _file_removed(kind: str) -> None:
    """The organiser took a file out of its box: stop using it. (A box that is empty because
    the page was left and opened again says nothing, so only this callback drops a file.)"""
    if st.session_state.get(workspace.box_key(kind)) is None:
        st.session_state[KEY_UPLOADS] = {k: u for k, u in (st.session_state.get(KEY_UPLOADS) or {}).items() if k != kind}


def _upload_boxes() -> dict[str, Upload]:
    """The three upload boxes, the main country and the way back; the uploads in use."""
    st.caption("Files you drop here stay in this browser session until you keep them as a snapshot in the "
               "workspace (below). Kept snapshots are stored:")
    st.text(workspace.where())
    st.caption(f"Up to {MAX_UPLOAD_MB} MB a file. A bigger one is refused in its box: export fewer rows or columns, "
               "or save a workbook as CSV.")
    workspace.follow_latest()  # a fresh session starts from the workspace's latest snapshot
    uploads: dict[str, Upload] = dict(st.session_state.get(KEY_UPLOADS) or {})
    cols = st.columns(3)
    for (kind, (label, help_text)), col in zip(KINDS.items(), cols, strict=True):
        with col:
            file = st.file_uploader(label, type=["csv", "tsv", "txt", "xlsx", "xls"], key=workspace.box_key(kind), help=help_text,
                                    on_change=_file_removed, args=(kind,))
            if file is not None:
                shell.took_upload(file.file_id)
                data = file.getvalue()
                old = uploads.get(kind)
                if old is None or old.data != data or old.name != file.name:
                    uploads[kind] = Upload(file.name, data)
            elif kind in uploads:
                st.caption(f"In use: {shell.literal(uploads[kind].name)}. Drop another file here to replace it.")
    st.session_state[KEY_UPLOADS] = uploads

    c1, c2 = st.columns([1, 3])
    country = c1.text_input(
        "Main country (optional)", value=st.session_state.get(KEY_COUNTRY, ""), max_chars=2,
        help="Two letters, e.g. GB. Ambiguous places (London, Ontario vs London, England) prefer it; empty = guess from the data.",
    ).strip().upper()
    st.session_state[KEY_COUNTRY] = country
    if uploads and workspace.shown_snapshot() is None:  # the session's own uploads, not kept
        back = "Back to the demo community" if workspace.is_empty() else "Back to the latest kept snapshot"
        if c2.button(back, icon=":material/restart_alt:"):
            workspace.drop_uploads()
            st.rerun()
    return uploads


def _mapping_editor(kind: str, upload: Upload, uploads: dict[str, Upload]) -> None:
    """How one upload was read, and the organiser's corrections (a change reruns the page)."""
    preview = loaders.preview(loaders.content_key({kind: upload}, {}, ""), upload, kind)
    if preview.error:
        st.error(shell.literal(preview.error), icon=":material/error:")
        return
    read = preview.read
    changed = upload
    if len(read.sheets) > 1:
        sheet = st.selectbox("Sheet", read.sheets, index=read.sheets.index(read.sheet), key=f"sheet_{kind}")
        changed = replace(changed, sheet=sheet)
    for note in read.notes:  # notes quote headers and sheet names from the file
        st.caption(shell.literal(note))
    st.text(f"{plural(len(read.frame), 'row')}, header on row {read.header_row}.")
    table = mapping_table(preview)
    edited = st.data_editor(
        table, key=f"mapping_{kind}", hide_index=True, width="stretch",
        disabled=["column", "how", "example"],
        column_config={
            "field": st.column_config.SelectboxColumn(
                "becomes", options=field_choices(kind), required=True,
                help="Pick the field this column holds; your choice wins over the automatic one.",
            )
        },
    )
    overrides = edited_overrides(edited, preview, upload.overrides)
    orders = dict(upload.date_orders)
    for m in preview.matches:
        if m.field in DATE_FIELDS:
            orders[m.field] = st.radio(
                f"Date order for {shell.literal(m.column)}", [AUTO, DAY_FIRST, MONTH_FIRST], horizontal=True,
                index=[AUTO, DAY_FIRST, MONTH_FIRST].index(orders.get(m.field, AUTO)),
                key=f"order_{kind}_{m.field}",
            )
    # "auto" is what no choice means: leave it out, so opening this page changes nothing (a kept
    # snapshot stays the kept one rather than becoming an unkept copy with the same data)
    orders = {f: order for f, order in orders.items() if order != AUTO}
    changed = replace(changed, overrides=overrides, date_orders=orders)
    if changed != upload:
        uploads[kind] = changed
        st.session_state[KEY_UPLOADS] = uploads
        st.rerun()


if policy.uploads:
    mine = _upload_boxes()
    for kind, upload in mine.items():
        with st.expander(f"{KINDS[kind][0]}: {shell.literal(upload.name)}", expanded=True):
            _mapping_editor(kind, upload, mine)
else:
    shell.role_note(policy, "Uploading files and changing how they are read is for organisers")

ctx = shell.page("Data", policy)
community = ctx.community
st.subheader("What was understood")
for source in community.sources:
    with st.container(border=True):
        st.markdown(f"**{KINDS[source.kind][0]}** · {source.rows_used:,} of {plural(source.rows_read, 'row')} used")
        st.text(source.filename)
        for note in source.notes:
            st.caption(shell.literal(note))
        if ctx.is_demo:  # an upload's mapping is in its editor above
            st.dataframe(
                pd.DataFrame([{"column": m.column, "becomes": field_label(m.field), "how": m.how} for m in source.matches]),
                hide_index=True, width="stretch",
            )
        for f, rep in source.dates.items():
            st.caption(f"{field_label(f)}: {shell.literal(rep.note)}" + (" (ambiguous)" if rep.ambiguous else ""))

m1, m2, m3, m4 = st.columns(4)
m1.metric("Members", f"{len(community.members):,}")
m2.metric("Events", f"{len(community.events):,}")
m3.metric("Attendance rows", f"{len(community.attendance):,}")
m4.metric("Rows with a problem", f"{len(community.problems):,}")

st.subheader("Rows that could not be used, or were changed")
if community.problems.empty:
    st.success("Every row was used as it was.")
else:
    kinds = loaders.problem_kinds(ctx.data_key, community)
    if len(community.problems) > 10 and len(kinds) > 1:  # a long list: say what it holds first
        st.caption("In short, by kind (most first); every row is listed below and in the download.")
        st.dataframe(
            kinds, hide_index=True, width="stretch",
            column_config={"rows": st.column_config.NumberColumn("rows", format="%d"),
                           "first_row": st.column_config.NumberColumn("first row", format="%d")},
        )
    if len(community.problems) > PROBLEMS_SHOWN:
        st.caption(f"The first {PROBLEMS_SHOWN:,} of {plural(len(community.problems), 'row')} are listed"
                   + ("; the download holds them all." if policy.personal_downloads else "."))
    st.dataframe(community.problems.head(PROBLEMS_SHOWN), hide_index=True, width="stretch")
    shell.personal_download(policy, "Download problems (CSV)", lambda: to_csv_bytes(community.problems),
                            "problems.csv", "text/csv", "rows that could not be used")

st.subheader("Workspace")
st.text(workspace.shown_now(ctx.is_demo))
shown = workspace.shown_snapshot()
record = signin.recorder()
if policy.uploads and not ctx.is_demo and shown is None and workspace.store() is not None:
    if st.button("Keep these uploads as a snapshot", icon=":material/save:", type="primary"):
        info = workspace.keep(community)
        record("snapshot_kept", f"snapshot {info.id}" if info else "")
        st.rerun()
kept = workspace.store().snapshots() if workspace.store() is not None else []
if kept:
    st.dataframe(workspace.table(kept, shown), hide_index=True, width="stretch")
    pick = st.selectbox("Snapshot", [k.id for k in kept], key="snapshot_pick",
                        format_func=lambda i: f"{i}: " + next(k.created_at.strftime("%Y-%m-%d %H:%M") for k in kept if k.id == i))
    b1, b2 = st.columns(2)
    if b1.button("Go back to this snapshot", icon=":material/history:"):
        workspace.go_back(pick)
        st.rerun()
    if policy.uploads and b2.button("Delete this snapshot", icon=":material/delete:"):
        workspace.delete(pick)
        record("snapshot_deleted", f"snapshot {pick}")
        st.rerun()
    if policy.erasure:
        with st.expander("Erase the whole workspace"):
            st.caption("Deletes every kept snapshot, place fix and setting from the workspace. This can't be undone.")
            sure = st.checkbox("Yes, erase everything", key="erase_sure")
            if st.button("Erase the whole workspace", icon=":material/delete_forever:", disabled=not sure):
                workspace.erase()
                record("workspace_erased", plural(len(kept), "snapshot"))
                st.rerun()
else:
    st.caption("No snapshots kept yet.")
if not policy.uploads:
    shell.role_note(policy, "Keeping, deleting and erasing snapshots is for organisers")
duties.section(policy)
accounts.section(policy)
