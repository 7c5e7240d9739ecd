"""Password rules and argon2id hashing."""

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles

from dashboard.auth.passwords import (
    HASHER,
    MIN_LENGTH,
    PasswordRuleError,
    check_new_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
GOOD = "correct horse battery"


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_LENGTH - 1), " " * 11])
def test_short_passwords_are_refused(password):
    with pytest.raises(PasswordRuleError, match="at least 12"):
        check_new_password(password)


@pytest.mark.parametrize("password", ["x" * MIN_LENGTH, GOOD, "ünïcødé pässwörd"])
def test_passwords_of_twelve_or_more_are_accepted(password):
    check_new_password(password)


def test_a_password_of_only_spaces_is_refused():
    with pytest.raises(PasswordRuleError, match="only spaces"):
        check_new_password(" " * 20)


def test_an_absurdly_long_password_is_refused():
    with pytest.raises(PasswordRuleError, match="at most"):
        check_new_password("x" * 5000)


def test_hash_password_refuses_a_short_one_before_hashing():
    with pytest.raises(PasswordRuleError):
        hash_password("too short", CHEAP)


def test_the_hash_is_argon2id_and_salted():
    first, second = hash_password(GOOD, CHEAP), hash_password(GOOD, CHEAP)
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert GOOD not in first


def test_the_app_hasher_is_argon2id_with_its_default_parameters():
    params = extract_parameters(HASHER.hash(GOOD))
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # at least OWASP's argon2id minimum


def test_verify_tells_right_from_wrong():
    stored = hash_password(GOOD, CHEAP)
    assert verify_password(stored, GOOD, CHEAP)
    assert not verify_password(stored, GOOD + "!", CHEAP)


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$v=19$garbage"])
def test_a_malformed_hash_never_matches(stored):
    assert not verify_password(stored, GOOD, CHEAP)


def test_a_hash_with_weaker_parameters_needs_rehash():
    cheap = hash_password(GOOD, CHEAP)
    assert needs_rehash(cheap, HASHER)
    assert not needs_rehash(cheap, CHEAP)


def test_the_dummy_hash_has_the_hashers_own_parameters():
    # an unknown email must cost as much as a wrong password: same parameters, same work
    assert extract_parameters(dummy_hash(HASHER)) == extract_parameters(HASHER.hash(GOOD))
    assert extract_parameters(dummy_hash(CHEAP)) == extract_parameters(CHEAP.hash(GOOD))
