"""When the app must ask who is there before it shows anything."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Literal

#: open: no users and a loopback-only server, as on one's own laptop; sign_in: ask first;
#: setup: reachable from other machines but nobody can sign in yet, so show no data at all
Access = Literal["open", "sign_in", "setup"]

SETUP_MESSAGE = (
    "This Neighbourly server can be reached from other machines, and no one has an account yet, "
    "so it shows no member data. On the server, create the first organiser:\n\n"
    "    python -m dashboard users add you@example.org --role organiser\n\n"
    "(it reads the password from standard input), then reload this page."
)


def is_loopback(server_address: str | None) -> bool:
    """Whether Streamlit's ``server.address`` only accepts connections from this machine.

    Unset (None or "") is not: Streamlit then listens on every interface. A unix socket is
    not either, since it usually sits behind a reverse proxy.
    """
    address = (server_address or "").strip().strip("[]").casefold()
    if address in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def access(user_count: int, server_address: str | None) -> Access:
    """Whether a visitor gets in freely, must sign in, or sees the setup message."""
    if user_count > 0:
        return "sign_in"
    return "open" if is_loopback(server_address) else "setup"


def sign_in_required(user_count: int, server_address: str | None) -> bool:
    """True when the workspace has a user or the server listens beyond loopback."""
    return access(user_count, server_address) != "open"


#: headers a reverse proxy adds: a visit through one comes from wherever the proxy's visitor is
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def _host_name(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:8501" -> "::1")."""
    host = host.strip()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_local_visit(peer_ip: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a browser is on this very machine: its connection comes from a loopback address,
    it asked for a loopback name (a page of another site pointing its name at 127.0.0.1 does
    not), and no proxy passed it on (a proxy on this machine connects from loopback for anyone).
    Unknown (None) is not local."""
    if peer_ip is None or not is_loopback(peer_ip):
        return False
    lowered = {str(k).casefold(): v for k, v in headers.items()}
    if any(h in lowered for h in PROXY_HEADERS):
        return False
    return is_loopback(_host_name(lowered.get("host", "")))
