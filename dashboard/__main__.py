"""Command line: ``python -m dashboard report|import|history ...`` (a thin layer over the core).

- ``report --members F [--events F] [--attendance F] --out DIR`` reports on files;
  ``report --db URL --out DIR`` on the workspace's latest snapshot, adding ``changes.csv``
  when there is an earlier one.
- ``import --members F ... [--db URL]`` keeps the files as a new snapshot (one JSON line).
- ``history [--db URL]`` lists the snapshots, newest first (JSON lines).
- ``contact``, ``introduce``, ``forget``, ``person``: the contact log, introductions, erasure and
  subject access (``dashboard/follow_cli.py``); ``report --db`` adds each member's last contact,
  ``introductions.csv`` and a ``"follow_through"`` summary.
- ``users add EMAIL --role R`` (password on standard input), ``users list``, ``users remove EMAIL``,
  ``users role EMAIL ROLE`` manage who may sign in (``dashboard/users_cli.py``).

Exit 0 on success, 2 with a one-line reason on unusable input or an unusable database.
Without ``--db``, ``import`` and ``history`` use ``$NEIGHBOURLY_DB`` or the default file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from dashboard import follow_cli, users_cli


class Failure(Exception):
    """A one-line reason to exit 2."""


def _file_flags(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--members", type=Path)
    cmd.add_argument("--events", type=Path)
    cmd.add_argument("--attendance", type=Path)
    cmd.add_argument("--country", default="", help="the community's main country, e.g. GB")


def _db_flag(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--db", help="the workspace database (a SQLAlchemy URL); default: $NEIGHBOURLY_DB, "
                                  "else a file in your user data directory")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Neighbourly, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write members.csv, cities.csv, problems.csv and print a JSON summary")
    _file_flags(rep)
    rep.add_argument("--db", help="report on this workspace's latest snapshot instead of files")
    rep.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default: the latest event date in the data")
    rep.add_argument("--out", type=Path, required=True)
    imp = sub.add_parser("import", help="keep the files as a new snapshot in the workspace")
    _file_flags(imp)
    _db_flag(imp)
    hist = sub.add_parser("history", help="list the workspace's snapshots as JSON lines, newest first")
    _db_flag(hist)
    users_cli.add_parser(sub, _db_flag)
    follow_cli.add_parsers(sub, _db_flag)
    return parser


def _uploads(args: argparse.Namespace) -> dict:
    from dashboard.ingest import Upload

    if args.members is None and args.attendance is None:
        raise Failure("give --members FILE (or at least --attendance FILE)")
    uploads = {}
    for kind in ("members", "events", "attendance"):
        path = getattr(args, kind)
        if path is not None:
            if not path.is_file():
                raise Failure(f"{path} does not exist or is not a file")
            uploads[kind] = Upload(path.name, path.read_bytes())
    return uploads


def _as_of(text: str | None) -> pd.Timestamp | None:
    day = follow_cli.day(text, "--as-of")
    return None if day is None else pd.Timestamp(day)


def _report_files(args: argparse.Namespace) -> dict:
    from dashboard import snapshots
    from dashboard.report import build_report, write_report

    uploads = _uploads(args)
    as_of = _as_of(args.as_of)
    # the same load as the app and the workspace: today (the front end's clock) flags sign-ups in the future
    community = snapshots.load(uploads, {}, args.country, pd.Timestamp.today().normalize())
    report = build_report(community, as_of=as_of)
    write_report(report, args.out)
    return report.summary


def _report_db(args: argparse.Namespace) -> dict:
    from datetime import date

    from dashboard import snapshots
    from dashboard.analysis import analyse
    from dashboard.changes import CHANGES, since
    from dashboard.export import neutralise_formulas
    from dashboard.follow_through import did_it_help, followed
    from dashboard.load import grouped
    from dashboard.model import default_as_of
    from dashboard.report import build_report, with_follow_through, write_report
    from dashboard.store.follow import FollowThrough, open_workspace

    if any(getattr(args, k) is not None for k in ("members", "events", "attendance")):
        raise Failure("--db reports on the workspace's latest snapshot: leave out the file flags "
                      "(or keep the files first with `python -m dashboard import`)")
    as_of = _as_of(args.as_of)
    today = as_of if as_of is not None else pd.Timestamp(date.today())  # the front end's clock
    store, _retired = open_workspace(args.db, today.date())
    try:
        latest = store.latest()
        if latest is None:
            raise Failure(f"the workspace at {store.url} has no snapshots yet: keep files with "
                          "`python -m dashboard import --members FILE ...`")
        settings = store.settings()
        earlier_id = store.previous_id(latest.id)
        earlier = store.snapshot(earlier_id) if earlier_id is not None else None
        community = grouped(snapshots.community(latest), settings)
        follow = FollowThrough(store)
        log, intros = follow.contacts(), follow.introductions()
        state = followed(log, intros, community, today, settings)
        follow.record_met(state.newly_met)
    finally:
        store.close()
    as_of = as_of if as_of is not None else default_as_of(community)
    analysis = analyse(community, as_of, settings)
    report = build_report(community, as_of, settings, analysis=analysis, exclusions=state.exclusions)
    helped = did_it_help(log, state.introductions, community, today, settings)
    report = with_follow_through(report, community, state, helped)
    write_report(report, args.out)
    summary = {**report.summary, "snapshot": latest.id}
    if earlier is not None:
        changes = since(grouped(snapshots.community(earlier), settings), analysis.members, settings)
        neutralise_formulas(changes).to_csv(args.out / "changes.csv", index=False)
        counts = changes["change"].value_counts()
        summary["changes_since"] = earlier.id
        summary["changes"] = {c: int(counts.get(c, 0)) for c in CHANGES}
    return summary


def _import(args: argparse.Namespace) -> dict:
    from datetime import UTC, datetime

    from dashboard import snapshots
    from dashboard.store import Store

    uploads = _uploads(args)
    now = datetime.now(UTC)
    community = snapshots.load(uploads, {}, args.country, pd.Timestamp(now.date()))  # refuse bad files first
    store = Store.open(args.db)
    try:
        info = store.keep(uploads, {}, args.country, snapshots.counts(community), now=now)
    finally:
        store.close()
    return {"snapshot": info.id, "created_at": info.created_at.isoformat(timespec="seconds"),
            "members": info.members, "events": info.events, "attendance_rows": info.attendance_rows,
            "db": store.url}


def _history(args: argparse.Namespace) -> list[dict]:
    from dashboard.store import Store

    store = Store.open(args.db)
    try:
        kept = store.snapshots()
    finally:
        store.close()
    return [{"snapshot": s.id, "created_at": s.created_at.isoformat(timespec="seconds"), "country": s.country,
             "files": dict(s.files), "members": s.members, "events": s.events,
             "attendance_rows": s.attendance_rows} for s in kept]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 unusable input or database)."""
    args = _parser().parse_args(argv)
    from dashboard.ingest import InputError
    from dashboard.store import StoreError
    from dashboard.store.users import UserError

    try:
        if args.command == "report":
            summary = _report_db(args) if args.db else _report_files(args)
            print(json.dumps(summary, indent=2))
        elif args.command == "import":
            print(json.dumps(_import(args)))
        elif args.command == "users":
            for line in users_cli.run(args):
                print(json.dumps(line))
        elif args.command in follow_cli.COMMANDS:
            for line in follow_cli.run(args):
                print(json.dumps(line))
        else:
            for line in _history(args):
                print(json.dumps(line))
    except (Failure, InputError, StoreError, UserError, users_cli.UsersFailure, follow_cli.FollowFailure) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
