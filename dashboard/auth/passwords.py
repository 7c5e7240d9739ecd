"""Password hashing: argon2id through argon2-cffi, never a plain or fast hash.

The hasher is a parameter everywhere so tests can use argon2's cheapest profile;
the app uses argon2-cffi's default (RFC 9106 low-memory argon2id profile).
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: fewer characters than this is refused (the issue's floor)
MIN_LENGTH = 12
#: more than this is refused too: argon2 would hash it, but nobody types it and it costs memory
MAX_LENGTH = 1024

#: argon2id with argon2-cffi's default parameters
HASHER = PasswordHasher()


class PasswordRuleError(ValueError):
    """A new password that breaks the rules; the message says what to do."""


def check_new_password(password: str) -> None:
    """Raise ``PasswordRuleError`` (plain words) unless ``password`` may be set."""
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError(
            f"the password has {len(password)} characters; use at least {MIN_LENGTH} (a few words make a good one)"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError(f"the password has {len(password)} characters; use at most {MAX_LENGTH}")
    if password.strip() == "":
        raise PasswordRuleError("the password is only spaces; use at least one letter, digit or sign")


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    """The argon2id hash (with its salt and parameters) of a password that passes the rules."""
    check_new_password(password)
    return hasher.hash(password)


def verify_password(password_hash: str, password: str, hasher: PasswordHasher = HASHER) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches.

    argon2 recomputes the whole hash and compares in constant time, so a right and a
    wrong password take the same time.
    """
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, hasher: PasswordHasher = HASHER) -> bool:
    """Whether a stored hash was made with other parameters than ``hasher``'s (rehash on sign-in)."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@cache
def dummy_hash(hasher: PasswordHasher = HASHER) -> str:
    """A hash of a random password with ``hasher``'s parameters, verified when the email is
    unknown so that an unknown email costs the same time as a wrong password."""
    return hasher.hash(secrets.token_urlsafe(24))
