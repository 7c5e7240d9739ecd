"""When sign-in is required, and when the setup message shows instead of data."""

import pytest

from dashboard.auth.gate import access, is_loopback, sign_in_required


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost", "LocalHost"])
def test_loopback_addresses(address):
    assert is_loopback(address)


@pytest.mark.parametrize("address", [
    None, "", "0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "neighbourly.example.org", "unix:///tmp/app.sock",
])
def test_everything_else_is_reachable_from_other_machines(address):
    # unset: Streamlit listens on every interface; a unix socket usually sits behind a proxy
    assert not is_loopback(address)


def test_no_users_on_loopback_stays_open():
    assert access(0, "127.0.0.1") == "open"
    assert not sign_in_required(0, "localhost")


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", None])
def test_any_user_means_sign_in(address):
    assert access(1, address) == "sign_in"
    assert sign_in_required(3, address)


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", None])
def test_no_users_on_a_reachable_server_shows_the_setup_message(address):
    assert access(0, address) == "setup"
    assert sign_in_required(0, address)
