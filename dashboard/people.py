"""Who a stored fact is about: one key per person that survives a re-exported sheet.

A person is their email (trimmed, case-folded) when they have one, else ``"id:"`` + their
member id. The contact log and introductions store that key (and the member id they had),
so a later snapshot whose rows moved, and whose generated ids shifted, still finds them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.columns import isin
from dashboard.ingest.pipeline import EMAIL_PATTERN
from dashboard.ingest.strings import fold, match

ID_PREFIX = "id:"


def fold_email(text: str) -> str:
    """An email as emails are compared (trimmed, case-folded); "" for none."""
    return str(fold(pd.Series([text or ""], dtype="str")).iloc[0])


def is_email(text: str) -> bool:
    """Whether ``text`` (folded) looks like an email address, as ingestion judges one."""
    return bool(text) and bool(match(pd.Series([text], dtype="str"), EMAIL_PATTERN).iloc[0])


def person_key(email: str, member_id: str) -> str:
    """The key of one person: their folded email, else ``id:`` + member id."""
    folded = fold_email(email)
    return folded if folded else ID_PREFIX + str(member_id)


def person_keys(members: pd.DataFrame) -> pd.Series:
    """One key per member row (``member_id``, ``email`` when present), as ``person_key``."""
    email = fold(members["email"].fillna("").astype(str)) if "email" in members else pd.Series(
        "", index=members.index, dtype="str")
    ids = ID_PREFIX + members["member_id"].astype(str)
    return pd.Series(np.where(email != "", email, ids), index=members.index, dtype="str")


def member_ids_for(keys: pd.Series, stored_ids: pd.Series, members: pd.DataFrame) -> pd.Series:
    """The member id each stored key refers to in ``members`` ("" when nobody there is them).

    An email key finds the member with that email; an id key the member with that id. A
    person stored by id who has since given an email is still found by the id they had.
    """
    by_key = pd.Series(members["member_id"].astype(str).to_numpy(), index=person_keys(members).to_numpy())
    by_key = by_key[~by_key.index.duplicated()]
    found = keys.astype(str).map(by_key)
    stored = stored_ids.astype(str)
    known = isin(stored, members["member_id"].astype(str)) & keys.astype(str).str.startswith(ID_PREFIX).to_numpy(bool)
    return found.fillna(stored.where(known)).fillna("").astype(str)


#: a list of people longer than this is searched before it is offered: a select box holding a
#: whole 100k community sent megabytes to the browser on every rerun
OFFER_ALL_UP_TO = 1_000
#: how many people a search offers at most
OFFERED_MATCHES = 50


def offered(people: pd.DataFrame, text: str = "", limit: int = OFFERED_MATCHES) -> tuple[pd.DataFrame, int]:
    """The people (``member_id``, ``name``) a picker offers, and how many matched: all of them
    when there are at most ``OFFER_ALL_UP_TO``; else, in their order, the first ``limit`` whose
    name or id holds ``text`` (any case; the first ``limit`` of all when ``text`` is empty)."""
    if len(people) <= OFFER_ALL_UP_TO:
        return people, len(people)
    wanted = text.strip().casefold()
    if wanted:
        names = people["name"].astype("str").str.casefold()
        ids = people["member_id"].astype("str").str.casefold()
        hit = names.str.contains(wanted, regex=False) | ids.str.contains(wanted, regex=False)
        people = people[hit.to_numpy(dtype=bool)]
    return people.head(limit), len(people)
