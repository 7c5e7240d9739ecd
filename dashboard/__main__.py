"""Command line: ``python -m dashboard report --members FILE ... --out DIR``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Neighbourly, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write members.csv, cities.csv, problems.csv and print a JSON summary")
    rep.add_argument("--members", type=Path)
    rep.add_argument("--events", type=Path)
    rep.add_argument("--attendance", type=Path)
    rep.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default: the latest event date in the data")
    rep.add_argument("--country", default="", help="the community's main country, e.g. GB")
    rep.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 unusable input)."""
    args = _parser().parse_args(argv)
    from dashboard.ingest import InputError
    from dashboard.report import build_report, load_files, write_report

    def fail(reason: str) -> int:
        print(f"error: {reason}", file=sys.stderr)
        return 2

    if args.members is None and args.attendance is None:
        return fail("give --members FILE (or at least --attendance FILE)")
    for path in (args.members, args.events, args.attendance):
        if path is not None and not path.is_file():
            return fail(f"{path} does not exist or is not a file")
    as_of = None
    if args.as_of:
        try:
            as_of = pd.Timestamp(args.as_of).normalize()
        except ValueError:
            return fail(f"--as-of {args.as_of!r} is not a date; use YYYY-MM-DD")
    try:
        community = load_files(args.members, args.events, args.attendance, country=args.country)
    except InputError as exc:
        return fail(" ".join(str(exc).split()))
    report = build_report(community, as_of=as_of)
    write_report(report, args.out)
    print(json.dumps(report.summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
