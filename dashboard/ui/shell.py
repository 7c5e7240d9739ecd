"""The shared page frame: page config, sidebar (data source, navigation, filters,
settings) and the loaded, filtered, analysed community every page starts from.

Every page calls ``page(...)`` first, so a page opened directly by URL (a deep
link such as ``/Map?city=Leeds``) gets the same sidebar and data as one reached
by clicking.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import alt_text
from dashboard import load as load_path
from dashboard.analysis import Analysis
from dashboard.auth.roles import ORGANISER, Policy
from dashboard.engagement import exclude_staff
from dashboard.filters import Filters, apply_filters, city_options, rows_for
from dashboard.follow_through import Followed, Helped
from dashboard.ingest import InputError, Upload
from dashboard.model import Community, default_as_of
from dashboard.reuse import Reuse
from dashboard.risk import RISK_SIGNALS
from dashboard.settings import LIMITS, RiskWeights, Settings, setting_help, setting_label
from dashboard.ui import follow, loaders, server, signin, workspace
from dashboard.ui.state import (
    KEY_AS_OF,
    KEY_CITIES,
    KEY_COUNTRY,
    KEY_FROM,
    KEY_LOST_UPLOADS,
    KEY_MADE,
    KEY_MANUAL_PLACES,
    KEY_NEAR,
    KEY_RADIUS,
    KEY_REUSE,
    KEY_SETTINGS,
    KEY_TAKEN_UPLOADS,
    KEY_TO,
    KEY_UPLOADS,
)

# every page imports this module before it draws an uploader, so no upload arrives before this
server.keep_uploads_in_memory()
server.track_uploads()

#: an upload that arrived this long ago and is in no box was dropped just before a page switch
UNCLAIMED_AFTER = 10.0  # s; the Data page takes a file within a second of its arrival
#: an upload still on its way this long after it was announced has stopped (the tab moved on)
STALLED_AFTER = 600.0  # s
#: results a session remembers having had made (``Later``): its recent data, dates and settings
MADE_REMEMBERED = 8

FAVICON = "🤝"
PAGES = (
    ("app.py", "Overview", ":material/home:"),
    ("pages/1_Data.py", "Data", ":material/upload_file:"),
    ("pages/2_Map.py", "Map", ":material/map:"),
    ("pages/3_Engagement.py", "Engagement", ":material/monitoring:"),
    ("pages/4_Connection_risk.py", "Connection risk", ":material/volunteer_activism:"),
    ("pages/5_Introductions.py", "Introductions", ":material/diversity_3:"),
)


def page_link(title: str, label: str | None = None) -> None:
    """A link to the page called ``title`` in ``PAGES`` (its file and icon come from there)."""
    path, _, icon = next(p for p in PAGES if p[1] == title)
    st.page_link(path, label=label or title, icon=icon)


@dataclass(frozen=True)
class PageContext:
    """What a page starts from: the full community, the filtered view and the indicators, each
    already as the signed-in role may see them (a viewer's have no names in them at all)."""

    community: Community
    view: Community
    filters: Filters
    settings: Settings
    as_of: pd.Timestamp
    analysed: Callable[[], Analysis]  # the indicators, worked out (cached) when a page first asks: ``analysis``
    is_demo: bool
    data_key: str  # the content key; with the role after it when the frames are redacted
    policy: Policy  # what the signed-in role may see and do
    followed: Followed  # the workspace's contact log and introductions, matched to this community (ids as above)
    helped: Callable[[], Helped | None]  # "Did it help?" (aggregates only), worked out when asked
    buddies: Later  # the buddy suggestions (ids as above), worked out when a page asks: seconds at 100k

    @cached_property
    def analysis(self) -> Analysis:
        """Every indicator for the whole community (the Data page never needs them, so they
        aren't worked out before a page asks)."""
        return self.analysed()

    @cached_property
    def members(self) -> pd.DataFrame:
        """The analysed members in the view."""
        return rows_for(self.analysis.members, self.view)


@dataclass(frozen=True)
class Later:
    """A result worked out only when a page asks for it (cached by ``make``), and whether this
    session has had it before (then it is at hand: ``ready``), so a page can draw what it has
    first and fill the rest in when it comes."""

    make: Callable[[], pd.DataFrame]
    token: str  # what the result depends on (data, date, settings, exclusions, role)

    def __call__(self) -> pd.DataFrame:
        result = self.make()
        made = [t for t in st.session_state.get(KEY_MADE, []) if t != self.token]
        st.session_state[KEY_MADE] = [*made[-(MADE_REMEMBERED - 1):], self.token]
        return result

    def ready(self) -> pd.DataFrame | None:
        """The result when this session has had it worked out before (a cache hit), else None."""
        return self() if self.token in st.session_state.get(KEY_MADE, []) else None


def literal(text: object) -> str:
    """Text from an upload made safe for places Streamlit renders as markdown (labels, alerts)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:=])", r"\\\1", str(text))


def uploads() -> tuple[dict[str, Upload], bool]:
    """The organiser's uploads, or the demo community's files when there are none."""
    workspace.follow_latest()  # the workspace's latest snapshot, unless the session has its own uploads
    mine = st.session_state.get(KEY_UPLOADS) or {}
    if mine:
        return dict(mine), False
    return loaders.demo_uploads(), True


def settings() -> Settings:
    """The workspace's thresholds (defaults until an organiser changes them); the session's own
    when the workspace can't be used."""
    kept = workspace.settings()
    return kept if kept is not None else st.session_state.get(KEY_SETTINGS) or Settings()


def _save_settings(chosen: Settings | None) -> None:
    """Keep the thresholds in the workspace (None: the defaults), or for this session without one."""
    if workspace.save_settings(chosen):
        return
    if chosen is None:
        st.session_state.pop(KEY_SETTINGS, None)
    else:
        st.session_state[KEY_SETTINGS] = chosen


def set_manual_place(city_text: str, place_query: str) -> None:
    """Remember a hand-made fix for a place; every page (and every session showing the same
    kept snapshot) uses it from the next run."""
    workspace.fix_place(city_text, place_query)


def load_community(chosen: Settings) -> tuple[Community, bool, str]:
    """The loaded community (cached by content) with its places grouped as ``chosen`` says
    (neighbourhoods under their city, or not), whether it is the demo, and its key (the content
    key, with the grouping after it when that is not the one the load made)."""
    ups, is_demo = uploads()
    manual = dict(st.session_state.get(KEY_MANUAL_PLACES) or {})
    country = st.session_state.get(KEY_COUNTRY, "")
    key = loaders.content_key(ups, manual, country)
    community = loaders.load(key, ups, manual, country, _reuse())
    wanted = load_path.grouping(chosen)
    if community.grouping == wanted:
        return community, is_demo, key
    key = f"{key}:{wanted}"
    return loaders.grouped(key, community, chosen), is_demo, key


def _reuse() -> Reuse | None:
    """What the last load of this session's own uploads worked out, for the next load (the Data
    page loads again as each file lands); None for the demo and kept snapshots, loaded once."""
    if not loaders.showing_own_uploads():
        st.session_state.pop(KEY_REUSE, None)
        return None
    return st.session_state.setdefault(KEY_REUSE, Reuse())


def took_upload(file_id: str) -> None:
    """The Data page put this upload in its box (so it is neither waiting nor lost)."""
    taken = set(st.session_state.get(KEY_TAKEN_UPLOADS) or ())
    taken.add(file_id)
    st.session_state[KEY_TAKEN_UPLOADS] = taken


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _pending_uploads() -> list[server.UploadState]:
    """This session's uploads not in any box yet; those that will never be are forgotten (their
    bytes freed) and remembered under KEY_LOST_UPLOADS with the reason, to tell the organiser."""
    sid = _session_id()
    if sid is None:
        return []
    taken = st.session_state.get(KEY_TAKEN_UPLOADS) or set()
    now = time.monotonic()
    waiting = []
    for up in server.uploads_of(sid):
        if up.file_id in taken:
            continue
        if up.arrived_at is not None and now - up.arrived_at >= UNCLAIMED_AFTER:
            why = "it finished arriving after you had left the Data page, so it never reached its box"
        elif up.arrived_at is None and now - up.asked_at >= STALLED_AFTER:
            why = "it stopped arriving after you left the Data page"
        else:
            waiting.append(up)
            continue
        server.forget_upload(sid, up.file_id)
        st.session_state[KEY_LOST_UPLOADS] = [*(st.session_state.get(KEY_LOST_UPLOADS) or []), (up.name, why)]
    return waiting


@st.fragment(run_every=timedelta(seconds=1))
def _watch_uploads(names: tuple[str, ...]) -> None:
    """While files are on their way, say so in the sidebar; once that changes, redraw the page."""
    now = tuple(u.name for u in _pending_uploads())
    if now != names or st.session_state.get(KEY_LOST_UPLOADS):
        st.rerun(scope="app")
    st.caption("Still receiving: " + literal(", ".join(names)) + "…")


def _uploads_notice() -> None:
    """Tell the organiser, in words, about uploads that were not used, and show those on their way."""
    waiting = _pending_uploads()
    lost = st.session_state.get(KEY_LOST_UPLOADS) or []
    for name, why in lost:
        st.warning(
            f"**{literal(name)}** was not used: {why}. Your data is as it was. Drop the file on the Data page "
            "again and wait until its name shows under the box before you switch pages.",
            icon=":material/upload_file:",
        )
    if lost and st.button("OK", key="lost_uploads_ok"):
        st.session_state.pop(KEY_LOST_UPLOADS, None)
        st.rerun()
    if waiting:
        with st.sidebar:
            _watch_uploads(tuple(u.name for u in waiting))


def _nav() -> None:
    root = loaders.ROOT
    with st.sidebar:
        for path, label, icon in PAGES:
            if (root / path).is_file():
                st.page_link(path, label=label, icon=icon)


def _data_source(community: Community, is_demo: bool) -> None:
    with st.sidebar:
        unusable = workspace.problem()
        if unusable:
            st.warning("The workspace database can't be used, so nothing is kept between visits.",
                       icon=":material/warning:")
            st.text(unusable)
        elif is_demo:
            st.caption("Showing the **demo community**: the workspace has no kept snapshot yet. "
                       "Upload your own spreadsheets on the Data page.")
        else:
            st.caption("Your data:")
            st.text("\n".join(s.filename for s in community.sources))  # file names shown literally


def _filters(community: Community) -> Filters:
    options = city_options(community)
    with st.sidebar:
        st.subheader("Filters")
        # drop URL values that name no city in this data, instead of failing
        if KEY_CITIES in st.session_state:
            st.session_state[KEY_CITIES] = [c for c in st.session_state[KEY_CITIES] if c in options]
        cities = st.multiselect(
            "Cities", options, key=KEY_CITIES, bind="query-params",
            placeholder="All cities", help="Sorted by number of members.",
        )
        near_options = [""] + options
        if st.session_state.get(KEY_NEAR) not in near_options:
            st.session_state.pop(KEY_NEAR, None)
        near = st.selectbox(
            "Within a distance of", near_options, key=KEY_NEAR, bind="query-params",
            format_func=lambda c: c or "(anywhere)",
        )
        # never disabled: a disabled widget's label is drawn too faint to read (WCAG contrast)
        radius = st.slider("Radius (km)", 5, 200, 25, step=5, key=KEY_RADIUS, bind="query-params",
                           help="How far from the place picked above; used once a place is picked.")
        dates = community.events["starts_at"].dropna()
        lo = dates.min().date() if not dates.empty else date(2000, 1, 1)
        hi = dates.max().date() if not dates.empty else date.today()
        c1, c2 = st.columns(2)
        date_from = c1.date_input("Events from", value=None, min_value=lo, max_value=hi, key=KEY_FROM, bind="query-params")
        date_to = c2.date_input("to", value=None, min_value=lo, max_value=hi, key=KEY_TO, bind="query-params")
    return Filters(
        cities=tuple(cities), near_city=near or "", radius_km=float(radius),
        date_from=date_from, date_to=date_to,
    )


def _settings_form(default: pd.Timestamp, policy: Policy) -> tuple[Settings, pd.Timestamp]:
    current = settings()
    with st.sidebar.expander("Settings and thresholds", icon=":material/tune:"):
        as_of = st.date_input(
            "Compute as of", value=st.session_state.get(KEY_AS_OF) or default.date(),
            help="Defaults to the latest event with attendance, so a saved spreadsheet gives the same answers later.",
        )
        with st.form("settings"):
            values: dict[str, Any] = {}  # each field's own type: bool, int or float
            for name in Settings.field_names():
                value = getattr(current, name)
                label, help_text = setting_label(name), setting_help(name)
                low, high = LIMITS.get(name, (None, None))
                if isinstance(value, bool):
                    values[name] = st.checkbox(label, value=value, help=help_text)
                elif isinstance(value, int):
                    values[name] = int(st.number_input(
                        label, value=value, step=1, min_value=low, max_value=high, help=help_text))
                else:
                    values[name] = float(st.number_input(
                        label, value=float(value), step=0.05, format="%.2f", help=help_text,
                        min_value=None if low is None else float(low), max_value=None if high is None else float(high)))
            st.caption("Risk signal weights (points added to the 0–100 score)")
            weights = {
                sig.name: int(st.number_input(sig.label, value=sig.points(current), min_value=0, max_value=100, step=5))
                for sig in RISK_SIGNALS
            }
            c1, c2 = st.columns(2)
            mine = policy.uploads  # the thresholds are the workspace's, like its data
            if c1.form_submit_button("Apply", disabled=not mine):
                _save_settings(Settings(**values, weights=RiskWeights(**weights)))
                st.rerun()
            if c2.form_submit_button("Defaults", disabled=not mine):
                _save_settings(None)
                st.rerun()
        st.caption("Kept in the workspace: everyone using it works with the same thresholds.")
        if not policy.uploads:
            role_note(policy, "Changing them is for organisers")
    if as_of != default.date():
        st.session_state[KEY_AS_OF] = as_of
    else:
        st.session_state.pop(KEY_AS_OF, None)
    return current, pd.Timestamp(as_of)


def page_config(title: str) -> None:
    """The browser tab's title and icon and the wide layout (``page`` sets them too; a page that
    draws widgets before calling ``page`` calls this first)."""
    # an emoji favicon: a material-icon favicon is fetched from a font CDN, and the app stays offline
    st.set_page_config(page_title=f"{title} · Neighbourly", page_icon=FAVICON, layout="wide")


def page(title: str, policy: Policy | None = None) -> PageContext:
    """Draw the shared frame and return what the page needs; stops the page on unusable data.

    Sign-in comes first (``signin.require``): nothing is loaded or drawn from the data before
    it passes. A page that had to pass it earlier (the Data page, before its uploaders) hands
    its ``policy`` in."""
    page_config(title)
    if policy is None:
        policy = signin.require()
    _nav()
    _uploads_notice()
    try:
        community, is_demo, key = load_community(settings())
    except InputError as exc:
        st.error("Your upload could not be used: " + literal(exc), icon=":material/error:")
        if title != "Data":  # on the Data page the fix is right above
            page_link("Data", "Fix it on the Data page")
        st.stop()
    except Exception as exc:
        if not st.session_state.get(KEY_UPLOADS):
            raise  # the demo must always load: a failure there is a bug to see, not to hide
        # an upload we did not foresee: say so plainly rather than show a traceback
        logging.getLogger(__name__).exception("loading an upload failed")
        st.error(
            f"Your files could not be read ({type(exc).__name__}). Check that each file is the right kind "
            "(members, events, attendance) on the Data page, or go back to the demo community.",
            icon=":material/error:",
        )
        page_link("Data", "Data page")
        st.stop()
    _data_source(community, is_demo)
    filters = _filters(community)
    current, as_of = _settings_form(default_as_of(community), policy)
    found = follow.state(community, key, current, is_demo)  # matched on the whole, unredacted community
    helped = follow.helped(found, community, key, current)
    # the buddies leave out do-not-contact people and declined pairs; made from the whole community as loaded
    buddies = Later(partial(loaders.buddies, key, community, as_of, current, found.exclusions, policy.role),
                    repr((key, as_of, repr(current), found.exclusions.key(), policy.role)))
    analysed = partial(loaders.analysis, key, community, as_of, repr(current), current)
    if policy.role == ORGANISER:
        followed = found
    else:  # the whole community's, cached per role, so a viewer's rerun redacts nothing again
        followed = follow.for_role(found, community, key, policy)
        analysed = partial(loaders.redacted, key, community, as_of, repr(current), current, policy.role)
        community = loaders.redacted_community(key, community, policy.role)
        key = f"{key}:{policy.role}"
    view = apply_filters(community, filters)
    with st.sidebar:
        st.caption(
            "Places: GeoNames (CC BY 4.0). Indicators are prompts for a friendly check-in, "
            "not a measure of loneliness."
        )
    return PageContext(
        community=community, view=view, filters=filters, settings=current, as_of=as_of,
        analysed=analysed, is_demo=is_demo, data_key=key, policy=policy,
        followed=followed, helped=helped, buddies=buddies,
    )


def chart(figure: Any, where: Any = None, **options: Any) -> None:
    """A plotly chart at the column's width with its text alternative under it: the chart in one
    line of words (``alt_text.describe``), upload text in it shown as text."""
    where = where if where is not None else st
    where.plotly_chart(figure, width="stretch", **options)
    where.caption(literal(alt_text.describe(figure)))


def stop_if_empty(ctx: PageContext) -> None:
    """Say so, and stop, when the filters match no member."""
    if ctx.view.members.empty:
        st.info("No members match these filters. Clear the city or distance filter in the sidebar.", icon=":material/filter_alt_off:")
        st.stop()


def without_staff(ctx: PageContext, what: str) -> Community:
    """The view without organisers and hosts when the settings leave them out, saying so
    under the page's title (``what``: what they are left out of)."""
    view = exclude_staff(ctx.view, ctx.settings)
    if view is not ctx.view:
        st.caption(f"Organisers and hosts are left out of {what} (see *Settings and thresholds*).")
    return view


def role_note(policy: Policy, text: str) -> None:
    """One line saying what this role doesn't get here, and why."""
    st.caption(f":material/lock: {text} (you are signed in as a {policy.role}; an organiser can change that).")


def personal_download(policy: Policy, label: str, build: Callable[[], bytes], file_name: str, mime: str,
                      what: str, key: str | None = None) -> None:
    """A download of a file that lists people: drawn only for roles allowed one, built when
    asked for, and recorded in the audit log then (what and which file, never its rows)."""
    if not policy.personal_downloads:
        return
    record = signin.recorder()

    def fetched() -> bytes:
        record("download", f"{what} ({file_name})")
        return build()
    # with on_click="ignore": a rerun on click replaced the file before the browser fetched it
    st.download_button(label, fetched, file_name, mime, key=key, on_click="ignore", icon=":material/download:")


def full_members(ctx: PageContext) -> tuple[str, pd.DataFrame]:
    """The content key and the analysed members of the whole community as an organiser has
    them, for a comparison made here in ``dashboard/ui`` whose result is redacted before it is
    shown (the Overview's "what changed": people are matched by id and email across snapshots).
    Never hand these to a page; for a helper or viewer they come from the caches again."""
    if ctx.policy.role == ORGANISER:
        return ctx.data_key, ctx.analysis.members
    community, _, key = load_community(ctx.settings)
    return key, loaders.analysis(key, community, ctx.as_of, repr(ctx.settings), ctx.settings).members
