"""Picking one person from a list that may hold a whole community."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.people import OFFER_ALL_UP_TO, offered
from dashboard.words import plural


def pick_person(people: pd.DataFrame, label: str, key: str, placeholder: str) -> str | None:
    """A select box of ``people`` (``member_id``, ``name``): the member id picked, or None. A long
    list (``people.offered``) is searched first: a box to type a name or id in, and the matches."""
    text = ""
    if len(people) > OFFER_ALL_UP_TO:
        text = st.text_input(f"Find a person to pick (of {len(people):,})", key=f"{key}_find",
                             placeholder="Type part of a name or member id")
    shown, matched = offered(people, text)
    names = dict(zip(shown["member_id"], shown["name"], strict=True))
    if not text and len(shown) < len(people):
        st.caption(f"The first {len(shown):,} are listed: type a name to find anyone else.")
    elif len(shown) < matched:
        st.caption(f"The first {len(shown):,} of {plural(matched, 'match', 'matches')} are listed: type more to narrow.")
    elif text:
        st.caption(plural(matched, "match", "matches") + ".")
    return st.selectbox(label, list(names), key=key, index=None, placeholder=placeholder,
                        format_func=lambda mid: f"{names.get(mid, mid)} ({mid})")
