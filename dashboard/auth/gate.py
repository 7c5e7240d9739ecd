"""When the app must ask who is there before it shows anything."""

from __future__ import annotations

import ipaddress
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
