"""``python -m dashboard users add|list|remove|role``: the workspace's users from the command line.

``users add EMAIL --role R`` reads the password from standard input (so it can be piped;
typed twice, unseen, at a terminal). Every change is audited as done on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from dashboard.auth.roles import USER_ROLES

ROLE_HELP = f"one of {', '.join(USER_ROLES)}"


class UsersFailure(Exception):
    """A one-line reason to exit 2."""


def add_parser(sub: argparse._SubParsersAction, db_flag) -> None:
    """Add ``users`` and its four commands to the CLI's subparsers (``db_flag`` adds ``--db``)."""
    users = sub.add_parser("users", help="add, list, remove users and change their roles")
    cmds = users.add_subparsers(dest="users_command", required=True)
    add = cmds.add_parser("add", help="create a user; the password is read from standard input")
    add.add_argument("email")
    add.add_argument("--role", required=True, help=ROLE_HELP)
    lst = cmds.add_parser("list", help="the users as JSON lines (never their password hashes)")
    rem = cmds.add_parser("remove", help="delete a user")
    rem.add_argument("email")
    role = cmds.add_parser("role", help="change a user's role")
    role.add_argument("email")
    role.add_argument("role", help=ROLE_HELP)
    for cmd in (add, lst, rem, role):
        db_flag(cmd)


def read_password(stdin: TextIO) -> str:
    """The new password: typed twice at a terminal, else the first line of standard input."""
    if stdin.isatty():
        first = getpass.getpass("Password (12 characters or more): ")
        if getpass.getpass("Same password again: ") != first:
            raise UsersFailure("the two passwords differ; nothing was changed")
        return first
    text = stdin.read()
    lines = text.splitlines()
    if len(lines) > 1 and any(line for line in lines[1:]):
        raise UsersFailure("standard input has more than one line; give the password alone on one line")
    return lines[0] if lines else ""


def _checked(args: argparse.Namespace, stdin: TextIO) -> str:
    """Refuse bad input before the database is opened (or created); the password for ``add``."""
    from dashboard.auth.passwords import check_new_password
    from dashboard.auth.roles import policy_for
    from dashboard.auth.signin import normalise_email

    try:
        normalise_email(args.email) if args.users_command != "list" else None
        policy_for(args.role) if args.users_command in ("add", "role") else None
        password = read_password(stdin) if args.users_command == "add" else ""
        if args.users_command == "add":
            check_new_password(password)
    except ValueError as exc:
        raise UsersFailure(str(exc)) from None
    return password


def actor() -> str:
    """Who did it, for the audit log and the contact log: the command line and the OS user."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def _when(moment) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def run(args: argparse.Namespace, stdin: TextIO | None = None) -> list[dict]:
    """Do one ``users`` command; the JSON lines to print. ``UsersFailure``/``UserError`` on bad input."""
    from dashboard.store import Store
    from dashboard.store.users import Users

    password = _checked(args, stdin if stdin is not None else sys.stdin)
    store = Store.open(args.db)
    try:
        users = Users(store)
        if args.users_command == "add":
            user = users.add(args.email, args.role, password, actor())
            return [{"added": user.email, "role": user.role, "db": store.url}]
        if args.users_command == "remove":
            users.remove(args.email, actor())
            return [{"removed": args.email.strip().casefold(), "db": store.url}]
        if args.users_command == "role":
            user = users.set_role(args.email, args.role, actor())
            return [{"email": user.email, "role": user.role, "db": store.url}]
        return [{"email": u.email, "role": u.role, "created_at": _when(u.created_at),
                 "last_sign_in_at": _when(u.last_sign_in_at), "locked_until": _when(u.locked_until)}
                for u in users.list()]
    finally:
        store.close()
