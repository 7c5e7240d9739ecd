"""Several organisers on one server, each uploading their own community (issue 17's load test).

    python -m benchmarks.load --users 5 --size 10k [--port 8623]

One ``streamlit run app.py`` on the loopback and Debian's Chromium
(``benchmarks/drive.py``). First a session opens the Overview on the idle
server twice (the first warms the server; the second is the idle figure). Then
``--users`` browser contexts each drop their own trio (seeds 100, 101, ...) into
the Data page and open the Overview (its member count is checked against the
core's own load of the same files), then each other page once. While they
upload, a fresh session opens the Overview: it must not wait for another
session's upload, so it counts as met when it is shown while at least one of
those uploads is still running. The server's resident memory is sampled all
along (every 0.5 s) and, after every context has closed, until it settles or
``--settle`` seconds pass: memory must return (met when at most a quarter of
the growth over the idle server is still held). Every loop is bounded and
every wait has a timeout. MB = 10**6 bytes. Adds ``load`` to
``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import drive, synth
from benchmarks import results as results_file

DEFAULT_PORT = 8623
#: memory counts as returned when at most this share of the growth over the idle server is still held
HELD_SHARE = 0.25
PAGES_AFTER_UPLOAD = ("/Map", "/Engagement", "/Connection_risk", "/Introductions")


@dataclass
class Sampler:
    """The server's resident memory every ``every`` seconds until stopped (at most ``limit`` samples)."""

    server: drive.Server
    every: float = 0.5
    limit: int = 20_000
    samples: list[float] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        for _ in range(self.limit):
            self.samples.append(self.server.rss_mb())
            try:
                await asyncio.wait_for(self.stop.wait(), self.every)
                return
            except TimeoutError:
                continue


@dataclass
class User:
    """One organiser's session and what it waited for."""

    files: synth.SynthFiles
    expected: int
    started: asyncio.Event = field(default_factory=asyncio.Event)
    upload_s: float | None = None
    done_at: float | None = None
    pages_s: dict[str, float] = field(default_factory=dict)
    error: str = ""


async def _organiser(b, guard: drive.Guard, base: str, user: User, contexts: list) -> None:
    """Upload the trio, open the Overview, then every other page once."""
    context, page = await drive.new_page(b, guard)
    contexts.append(context)
    try:
        await drive.open_path(page, base, "/Data")
        start = time.perf_counter()
        user.started.set()
        await drive.upload_trio(page, user.files)
        await drive.click_page(page, "/")
        user.upload_s = time.perf_counter() - start
        user.done_at = time.perf_counter()
        shown = (await drive.metric(page, "Members")).replace(",", "")
        if shown != str(user.expected):
            user.error = f"Overview shows {shown} members, the core's load {user.expected}"
        for path in PAGES_AFTER_UPLOAD:
            user.pages_s[path] = round(await drive.click_page(page, path), 3)
    except Exception as exc:  # noqa: BLE001 - one session failing is a result, not the end of the run
        user.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        user.started.set()


async def _fresh(b, guard: drive.Guard, base: str, users: list[User], contexts: list) -> dict:
    """Once every organiser has started uploading: a new session opens the Overview."""
    await asyncio.wait_for(asyncio.gather(*(u.started.wait() for u in users)), drive.TIMEOUT_MS / 1000)
    await asyncio.sleep(1.0)  # the uploads are under way
    context, page = await drive.new_page(b, guard)
    contexts.append(context)
    seconds = await drive.open_path(page, base, "/")
    shown_at = time.perf_counter()
    running = sum(1 for u in users if u.done_at is None or u.done_at > shown_at)
    return {"fresh_first_page_s": round(seconds, 3), "uploads_running_when_shown": running}


async def _after_close(s: drive.Server, idle: float, peak: float, settle_s: float) -> tuple[float, float]:
    """Poll the server's memory after every session closed: (MB still resident, seconds waited)."""
    start = time.perf_counter()
    rss = s.rss_mb()
    for _ in range(int(settle_s)):
        rss = s.rss_mb()
        if rss - idle <= HELD_SHARE * max(peak - idle, 0.0):
            break
        await asyncio.sleep(1.0)
    return rss, time.perf_counter() - start


async def measure(n_users: int, size: str, port: int, logs: Path, settle_s: float) -> dict:
    """Every figure of the load test; see the module docstring."""
    trios = [synth.ensure(size, seed=100 + i) for i in range(n_users)]
    users = [User(f, drive.expected_members(f)) for f in trios]
    guard = drive.Guard()
    contexts: list = []
    async with drive.browser() as b, drive.server(port, logs) as s:
        for _ in range(2):  # the first warms the server (imports, place index); the second is the idle figure
            context, page = await drive.new_page(b, guard)
            idle_page = await drive.open_path(page, s.url, "/")
            await context.close()
        idle = s.rss_mb()
        sampler = Sampler(s)
        sampling = asyncio.create_task(sampler.run())
        fresh, *_ = await asyncio.gather(_fresh(b, guard, s.url, users, contexts),
                                         *(_organiser(b, guard, s.url, u, contexts) for u in users))
        all_open = s.rss_mb()
        for context in contexts:
            await context.close()
        peak = max(sampler.samples + [all_open])
        after, waited = await _after_close(s, idle, peak, settle_s)
        sampler.stop.set()
        await sampling
        hwm = s.hwm_mb()
    uploads = [u.upload_s for u in users if u.upload_s is not None]
    pages = [v for u in users for v in u.pages_s.values()]
    figures = {
        "users": n_users, "size": size, "members_each": [u.expected for u in users],
        "idle_first_page_s": round(idle_page, 3), **fresh,
        "upload_to_overview_s": [round(x, 3) for x in uploads],
        "upload_to_overview_median_s": round(statistics.median(uploads), 3) if uploads else None,
        "page_s_median": {p: round(statistics.median([u.pages_s[p] for u in users if p in u.pages_s]), 3)
                          for p in PAGES_AFTER_UPLOAD if any(p in u.pages_s for u in users)},
        "page_s_max": round(max(pages), 3) if pages else None,
        "server_rss_mb_idle": round(idle), "server_rss_mb_peak": round(peak), "server_hwm_mb": round(hwm),
        "server_rss_mb_all_open": round(all_open), "server_rss_mb_after_close": round(after),
        "after_close_waited_s": round(waited, 1), "errors": [u.error for u in users if u.error],
        "blocked_requests": len(guard.blocked),
    }
    figures["fresh_page_did_not_wait"] = fresh["uploads_running_when_shown"] > 0
    figures["memory_returned"] = after - idle <= HELD_SHARE * max(peak - idle, 0.0)
    figures["all_uploads_matched"] = not figures["errors"] and len(uploads) == n_users
    return figures


def print_table(f: dict) -> None:
    """The load test as a markdown table."""
    yes = {True: "yes", False: "**NO**"}
    print(f"{f['users']} organisers, {f['size']} trio each, one server\n")
    print("| what | measured | target | ok |\n|---|---|---|---|")
    print(f"| fresh session's first page while the others upload | {f['fresh_first_page_s']} s "
          f"({f['uploads_running_when_shown']} uploads still running; idle server {f['idle_first_page_s']} s) "
          f"| shown before the others' uploads end | {yes[f['fresh_page_did_not_wait']]} |")
    print(f"| upload → Overview, each session | median {f['upload_to_overview_median_s']} s "
          f"({', '.join(map(str, f['upload_to_overview_s']))}) | every count matches the core's load "
          f"| {yes[f['all_uploads_matched']]} |")
    pages = ", ".join(f"{p} {s}" for p, s in f["page_s_median"].items())
    print(f"| page opened after upload (median per page) | {pages} s | (no target) | |")
    print(f"| server memory idle / peak / all open / after close | {f['server_rss_mb_idle']:,} / "
          f"{f['server_rss_mb_peak']:,} / {f['server_rss_mb_all_open']:,} / {f['server_rss_mb_after_close']:,} MB "
          f"(after {f['after_close_waited_s']} s) | at most {HELD_SHARE:.0%} of the growth still held "
          f"| {yes[f['memory_returned']]} |")
    if f["errors"]:
        print("\nerrors: " + "; ".join(f["errors"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=5, help="organisers, each with their own trio (default 5)")
    parser.add_argument("--size", default="10k", help="1k, 10k, 100k or a number of members (default 10k)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="loopback port (default %(default)s)")
    parser.add_argument("--settle", type=float, default=60, help="seconds to wait for memory to return")
    parser.add_argument("--json", type=Path, default=results_file.RESULTS_JSON, help="results file to add to")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 20:
        parser.error("--users must be between 1 and 20")
    with tempfile.TemporaryDirectory(prefix="neighbourly-bench-logs-") as logs:
        try:
            figures = asyncio.run(measure(args.users, args.size, args.port, Path(logs), args.settle))
        except drive.BenchError as exc:
            print(f"load benchmark stopped: {exc}", file=sys.stderr)
            return 1
    results_file.update(args.json, "load", {"load": figures})
    print_table(figures)
    print(f"\nadded to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
