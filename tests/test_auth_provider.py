"""Signing in with an identity provider: which [auth] settings count, and who an identity is."""

import pytest

from dashboard.auth.provider import DEFAULT, label, provider_email, providers

SHARED = {"redirect_uri": "https://n.example.org/oauth2callback", "cookie_secret": "s3cret-s3cret-s3cret"}
ONE = {"client_id": "id", "client_secret": "secret", "server_metadata_url": "https://idp.example/.well-known"}


def test_no_auth_section_means_no_provider():
    assert providers({}) == ()


def test_settings_straight_under_auth_are_the_default_provider():
    assert providers({**SHARED, **ONE}) == (DEFAULT,)


def test_named_providers_are_listed_by_name():
    assert providers({**SHARED, "google": ONE, "microsoft": ONE}) == ("google", "microsoft")


@pytest.mark.parametrize("missing", ["client_id", "client_secret", "server_metadata_url"])
def test_a_provider_missing_a_setting_is_not_offered(missing):
    partial = {k: v for k, v in ONE.items() if k != missing}
    assert providers({**SHARED, "google": partial, "okta": ONE}) == ("okta",)


@pytest.mark.parametrize("missing", ["redirect_uri", "cookie_secret"])
def test_without_the_shared_settings_nothing_is_offered(missing):
    shared = {k: v for k, v in SHARED.items() if k != missing}
    assert providers({**shared, **ONE, "google": ONE}) == ()


def test_button_words():
    assert label("google") == "Sign in with Google"
    assert label(DEFAULT) == "Sign in with your organisation's account"


@pytest.mark.parametrize("claims, email", [
    ({"email": "Ana@Example.org ", "email_verified": True}, "ana@example.org"),
    ({"email": "ana@example.org"}, "ana@example.org"),  # many providers never say
    ({"email": "ana@example.org", "email_verified": "true"}, "ana@example.org"),
])
def test_an_identity_is_the_user_with_its_email(claims, email):
    assert provider_email(claims) == email


@pytest.mark.parametrize("claims", [
    {}, {"email": ""}, {"email": None}, {"email": "not an email"}, {"email": ["ana@example.org"]},
    {"email": "ana@example.org", "email_verified": False},
    {"email": "ana@example.org", "email_verified": "false"},
    {"email": "ana@example.org", "email_verified": 0},
])
def test_no_usable_or_verified_email_is_nobody(claims):
    assert provider_email(claims) is None
