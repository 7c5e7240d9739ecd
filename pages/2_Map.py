"""Map: where members live, one bubble per city, and the place names still to fix (issue 3)."""

import streamlit as st

from dashboard import geo, mapviz
from dashboard.geo import online
from dashboard.ui import loaders, shell
from dashboard.words import noun_for, plural

MAP_KEY = "map_chart"
ONLINE_NOTE = "_map_online_note"
COLOUR_BY = {"Share at connection risk": "share_at_risk", "Engagement": "mean_engagement"}


def cities_from_map() -> None:
    """Clicking or box-selecting bubbles sets the sidebar's city filter (before widgets redraw)."""
    picked = mapviz.selected_cities(st.session_state.get(MAP_KEY))
    if picked:
        st.session_state[shell.KEY_CITIES] = picked


ctx = shell.page("Map")
st.title("Where members live")
st.caption("One bubble per city, sized by members. The map shows cities, never addresses.")
shell.stop_if_empty(ctx)

c1, c2, c3 = st.columns(3)
colour = c1.radio("Colour by", list(COLOUR_BY), horizontal=True, key="map_colour")
hide_small = c2.toggle(
    "Hide small cities", value=False, key="map_hide_small",
    help="For screenshots shared outside the team: cities with fewer members than this are left off.",
)
k = c2.number_input("Fewest members per city", min_value=1, max_value=50, value=3, key="map_k", disabled=not hide_small)
tiles = c3.toggle(
    "Street map", value=False, key="map_tiles",
    help="Loads map tiles from OpenStreetMap (needs the internet). The default outline map works offline.",
)
zoom_main = c3.toggle(
    "Zoom to where most members live", value=True, key="map_zoom_main",
    help="Fits the map to the country most members live in; cities elsewhere stay on the map and in the table.",
)
min_members = int(k) if hide_small else 1
every_city = mapviz.city_summary(ctx.members)
summary = mapviz.at_least(every_city, min_members)

if summary.empty:
    st.info("No member in this view has a place on the map yet.", icon=":material/location_off:")
else:
    st.caption(shell.literal(mapviz.map_summary(summary)))  # the map in words; the table below has all
    focus = mapviz.main_area(summary) if zoom_main else summary
    figure = mapviz.city_map_figure(summary, COLOUR_BY[colour], mapviz.TOPOJSON_URL, tiles=tiles, focus=focus)
    st.plotly_chart(
        figure, config=mapviz.map_config(mapviz.TOPOJSON_URL), key=MAP_KEY, on_select=cities_from_map,
        selection_mode=("points", "box", "lasso"), width="stretch",
    )
    st.caption(
        "Click a bubble, or pick the box or lasso tool above the map and draw around several, "
        "to filter every page to those cities."
    )
    outside = len(summary) - len(focus)
    if outside:
        st.caption(f"{plural(outside, 'city')} outside this view (turn off the zoom to see them on the map).")
hidden = len(every_city) - len(summary)
if hidden:
    st.caption(f"{plural(hidden, 'smaller city')} hidden (fewer than {plural(min_members, 'member')}).")
unplaced = mapviz.unplaced_count(ctx.members)
if unplaced:
    st.caption(f"{plural(unplaced, 'member')} in this view {noun_for(unplaced, 'has')} no place on the map: "
               "see *Places to check* below.")

st.subheader("Cities")
table = mapviz.city_table(summary)
st.dataframe(
    table, hide_index=True, width="stretch",
    column_order=[c for c in ("city_label", "country_code", "members", "at_risk_percent", "mean_engagement",
                              "neighbourhoods") if c in table],
    column_config={
        "city_label": st.column_config.TextColumn("City"),
        "country_code": st.column_config.TextColumn("Country"),
        "members": st.column_config.NumberColumn("Members"),
        "at_risk_percent": st.column_config.ProgressColumn(
            "At risk", help="Share at high or keep-an-eye-on connection risk", format="%d%%", min_value=0,
            max_value=100),
        "mean_engagement": st.column_config.NumberColumn("Engagement", format="%.0f"),
        "neighbourhoods": st.column_config.TextColumn(
            "Neighbourhoods", help="Places members typed that count under this city (members each)"),
    },
)

folded = mapviz.folded_places(ctx.members)
if not folded.empty:
    with st.expander(f"Why {plural(len(folded), 'place')} {noun_for(len(folded), 'counts', 'count')} under a city",
                     icon=":material/location_city:"):
        st.caption("Group by the place typed instead, or change the distance, in *Settings and thresholds*.")
        st.dataframe(folded, hide_index=True, width="stretch", column_config={
            "place": st.column_config.TextColumn("Place as typed"), "city": st.column_config.TextColumn("Counted under"),
            "members": st.column_config.NumberColumn("Members"), "why": st.column_config.TextColumn("Why", width="large")})

st.subheader("Places to check")
review = loaders.places_to_review(ctx.data_key, ctx.community)
if review.empty:
    st.success("Every place name in your data was found.", icon=":material/check_circle:")
else:
    st.caption(
        "Place names that weren't found, or were matched with low confidence (shown on the map at the best "
        "guess). Fixing one here applies on every page."
    )
    st.dataframe(
        review, hide_index=True, width="stretch",
        column_config={
            "city_text": st.column_config.TextColumn("As typed"),
            "status": st.column_config.TextColumn("Status"),
            "reason": st.column_config.TextColumn("Why"),
            "candidates": st.column_config.TextColumn("Best guesses"),
            "members": st.column_config.NumberColumn("Members"),
        },
    )

if not review.empty and not ctx.policy.uploads:
    shell.role_note(ctx.policy, "Fixing place names is for organisers")
elif not review.empty:
    f1, f2, f3 = st.columns([2, 2, 3])
    texts = review["city_text"].tolist()
    text = f1.selectbox("Place as typed", texts, key="fix_text")
    guesses = mapviz.review_guesses(review, text)
    guess = f2.selectbox("Best guess", guesses, key="fix_guess", index=0 if guesses else None,
                         placeholder="No guesses", disabled=not guesses)
    typed = f3.text_input(
        "Or type the place", key="fix_typed", placeholder="e.g. Leeds, UK  or  Headingley @ 53.82, -1.58",
        help="A town and country, or a name and coordinates after @.",
    )
    query = typed.strip() or (guess or "")
    if st.button("Use this place", icon=":material/edit_location_alt:", disabled=not query):
        if geo.resolve_manual(query, loaders.geocoder(), ctx.community.country) is None:
            st.error("That place wasn't found either. Add the country (\"Leeds, UK\") or give coordinates.")
        else:
            shell.set_manual_place(text, query)
            st.rerun()

    with st.expander("Look up the remaining places online (OpenStreetMap)", icon=":material/travel_explore:"):
        st.caption(
            "Off unless you ask. Sends only the unresolved place names listed above (never postcodes or anything "
            "else from your files) to OpenStreetMap's Nominatim service, one per second. Answers are remembered "
            "on this computer."
        )
        agree = st.checkbox("Send these place names to OpenStreetMap", key="online_ok")
        if st.button("Look up online", disabled=not agree, icon=":material/public:"):
            bar = st.progress(0.0, text="Asking OpenStreetMap…")
            result = online.geocode_online(
                ctx.community.geocodes,
                progress=lambda n, total, name: bar.progress(n / total, text=f"{n} of {total}"),
            )
            for name, (place, lat, lon, _cc) in result.found.items():
                shell.set_manual_place(name, f"{place} @ {lat:.5f}, {lon:.5f}")
            st.session_state[ONLINE_NOTE] = (result.offline, result.message)
            st.rerun()
        if ONLINE_NOTE in st.session_state:
            offline, message = st.session_state[ONLINE_NOTE]
            (st.warning if offline else st.info)(message)
        st.caption(online.OSM_ATTRIBUTION)

credits = [mapviz.GEONAMES_ATTRIBUTION, mapviz.NATURAL_EARTH_ATTRIBUTION]
if tiles:
    credits.append(mapviz.OSM_ATTRIBUTION)
st.caption(" · ".join(credits))
