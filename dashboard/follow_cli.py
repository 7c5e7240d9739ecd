"""``python -m dashboard contact|introduce|forget|person``: follow-through from the command line.

- ``contact --email E --outcome O --on YYYY-MM-DD [--channel C] [--note T] [--follow-up YYYY-MM-DD]``
  logs a contact with someone in the workspace's latest snapshot (one JSON line);
- ``introduce --person E --buddy E --on YYYY-MM-DD`` records an introduction between two of them;
- ``forget --email E`` (or ``--member-id ID``) erases a person everywhere and prints the rows erased;
- ``person --email E`` (or ``--member-id ID``) prints everything the workspace holds about them.

Bad input exits 2 with one line (``FollowFailure``), before the database is written.
"""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd

from dashboard import users_cli
from dashboard.contacts import CHANNELS, OUTCOMES

#: the commands this module runs
COMMANDS: tuple[str, ...] = ("contact", "introduce", "forget", "person")


class FollowFailure(Exception):
    """A one-line reason to exit 2."""


def add_parsers(sub: argparse._SubParsersAction, db_flag) -> None:
    """Add the four commands to the CLI's subparsers (``db_flag`` adds ``--db``)."""
    contact = sub.add_parser("contact", help="log a contact with someone in the latest snapshot")
    contact.add_argument("--email", required=True)
    contact.add_argument("--outcome", required=True, help=", ".join(OUTCOMES))
    contact.add_argument("--on", required=True, help="YYYY-MM-DD")
    contact.add_argument("--channel", default="call", help=", ".join(CHANNELS))
    contact.add_argument("--note", default="")
    contact.add_argument("--follow-up", dest="follow_up", help="YYYY-MM-DD")
    intro = sub.add_parser("introduce", help="record that two people were introduced")
    intro.add_argument("--person", required=True, help="the email of the person at risk")
    intro.add_argument("--buddy", required=True, help="the email of their buddy")
    intro.add_argument("--on", required=True, help="YYYY-MM-DD")
    forget = sub.add_parser("forget", help="erase a person from every snapshot, the contact log and introductions")
    person = sub.add_parser("person", help="everything the workspace holds about a person, as JSON")
    for cmd in (forget, person):
        who = cmd.add_mutually_exclusive_group(required=True)
        who.add_argument("--email")
        who.add_argument("--member-id", dest="member_id")
    for cmd in (contact, intro, forget, person):
        db_flag(cmd)


def day(text: str | None, flag: str) -> date | None:
    """A YYYY-MM-DD flag as a date (None when not given)."""
    if not text:
        return None
    try:
        return pd.Timestamp(text).date()
    except ValueError:
        raise FollowFailure(f"{flag} {text!r} is not a date; use YYYY-MM-DD") from None


def _email(text: str, flag: str) -> str:
    from dashboard.people import fold_email, is_email

    folded = fold_email(text)
    if not is_email(folded):
        raise FollowFailure(f"{flag} {text!r} is not an email address")
    return folded


def _check(args: argparse.Namespace) -> None:
    """Refuse bad input before the database is opened (or created)."""
    if args.command == "contact":
        from dashboard.contacts import Contact, ContactError, checked

        on = day(args.on, "--on")
        assert on is not None
        try:
            checked(Contact(_email(args.email, "--email"), "", on, args.outcome, args.channel, args.note,
                            day(args.follow_up, "--follow-up")))
        except ContactError as exc:
            raise FollowFailure(str(exc)) from None
    elif args.command == "introduce":
        day(args.on, "--on")
        if _email(args.person, "--person") == _email(args.buddy, "--buddy"):
            raise FollowFailure("--person and --buddy are the same person")
    elif args.email is not None:
        _email(args.email, "--email")


def _latest_member(store, email: str) -> str:
    """The member id of ``email`` in the latest snapshot (``FollowFailure`` if they aren't there)."""
    from dashboard import snapshots
    from dashboard.people import person_keys

    latest = store.latest()
    if latest is None:
        raise FollowFailure(f"the workspace at {store.url} has no snapshots yet: keep files with "
                            "`python -m dashboard import --members FILE ...`")
    people = snapshots.people(latest)
    if people is None:
        raise FollowFailure(f"the latest snapshot ({latest.id}) can't be read any more; keep the files again")
    members = people.members
    hit = members[person_keys(members) == email]
    if hit.empty:
        raise FollowFailure(f"nobody with the email {email} in the latest snapshot ({latest.id})")
    return str(hit["member_id"].iloc[0])


def _contact(store, args: argparse.Namespace) -> dict:
    from dashboard.contacts import Contact
    from dashboard.store.follow import FollowThrough

    email = _email(args.email, "--email")
    member_id = _latest_member(store, email)
    follow = FollowThrough(store)
    on = day(args.on, "--on")
    assert on is not None
    entry = follow.log_contact(Contact(email, member_id, on, args.outcome, args.channel, args.note,
                                       day(args.follow_up, "--follow-up")), logged_by=users_cli.actor())
    return {"contact": entry, "member_id": member_id, "outcome": args.outcome, "on": on.isoformat(),
            "follow_up_on": args.follow_up or None, "db": store.url}


def _introduce(store, args: argparse.Namespace) -> dict:
    from dashboard.introductions.lifecycle import Pair
    from dashboard.store.follow import FollowThrough

    person, buddy = _email(args.person, "--person"), _email(args.buddy, "--buddy")
    pair = Pair(person, _latest_member(store, person), buddy, _latest_member(store, buddy))
    follow = FollowThrough(store)
    never = _do_not_contact(follow, {person, buddy})
    if never:
        raise FollowFailure(f"{', '.join(sorted(never))} asked not to be contacted: no introduction recorded")
    on = day(args.on, "--on")
    assert on is not None
    follow.introduce(pair, on, logged_by=users_cli.actor())
    return {"introduced": [pair.member_id, pair.buddy_id], "on": on.isoformat(), "db": store.url}


def _do_not_contact(follow, keys: set[str]) -> set[str]:
    from dashboard.contacts import DO_NOT_CONTACT

    log = follow.contacts(keys)
    return set(log.loc[log["outcome"] == DO_NOT_CONTACT, "person_key"])


def run(args: argparse.Namespace) -> list[dict]:
    """Do one command; the JSON lines to print. ``FollowFailure`` on bad input."""
    from dashboard import erasure
    from dashboard.store.follow import open_workspace

    _check(args)
    store, _retired = open_workspace(args.db, date.today())  # the front end's clock
    try:
        if args.command == "contact":
            return [_contact(store, args)]
        if args.command == "introduce":
            return [_introduce(store, args)]
        if args.command == "forget":
            erased = erasure.forget(store, args.email or "", args.member_id or "")
            return [{"erased_rows": erased.rows, **erased.detail, "db": store.url}]
        return [erasure.subject_access(store, args.email or "", args.member_id or "")]
    except erasure.ErasureError as exc:
        raise FollowFailure(str(exc)) from None
    finally:
        store.close()
