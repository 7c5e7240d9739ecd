"""Signing in with an identity provider (Streamlit's ``st.login``, OpenID Connect).

Which providers ``.streamlit/secrets.toml``'s ``[auth]`` section configures, and which
workspace user a provider's identity is: the same users table, matched by email, so a
provider decides who someone is and the workspace decides what they may see.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.auth.signin import normalise_email

#: ``st.login()`` with no name uses the settings written straight under ``[auth]``
DEFAULT = "default"
#: what every provider needs (Streamlit's own check asks for the same)
REQUIRED = ("client_id", "client_secret", "server_metadata_url")
#: shared by every provider, under ``[auth]`` itself
SHARED = ("redirect_uri", "cookie_secret")


def providers(auth: Mapping[str, object]) -> tuple[str, ...]:
    """The providers ``auth`` (the ``[auth]`` section) configures completely: ``DEFAULT`` when
    the settings are under ``[auth]`` itself, then each ``[auth.NAME]`` by name."""
    if not all(auth.get(key) for key in SHARED):
        return ()
    found = [DEFAULT] if all(auth.get(key) for key in REQUIRED) else []
    for name, section in auth.items():
        if isinstance(section, Mapping) and all(section.get(key) for key in REQUIRED):
            found.append(str(name))
    return tuple(found)


def label(provider: str) -> str:
    """The sign-in button's words for ``provider``."""
    if provider == DEFAULT:
        return "Sign in with your organisation's account"
    return f"Sign in with {provider.replace('_', ' ').title()}"


def _unverified(flag: object) -> bool:
    if isinstance(flag, str):
        return flag.strip().casefold() in ("false", "0", "no")
    return flag is False or flag == 0


def provider_email(claims: Mapping[str, object]) -> str | None:
    """The users-table email of a provider's identity: its ``email`` claim, trimmed and
    case-folded; None without a usable one, or when the provider says it is unverified
    (anyone could otherwise type an organiser's address into an account of their own)."""
    email = claims.get("email")
    if not isinstance(email, str) or _unverified(claims.get("email_verified", True)):
        return None
    try:
        return normalise_email(email)
    except ValueError:
        return None
