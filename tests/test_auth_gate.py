"""When sign-in is required, and when the setup message shows instead of data."""

import pytest

from dashboard.auth.gate import access, is_local_visit, is_loopback, sign_in_required


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


LOCAL = {"Host": "localhost:8501"}


@pytest.mark.parametrize("peer, host", [("127.0.0.1", "localhost:8501"), ("::1", "[::1]:8501"),
                                        ("127.0.0.1", "127.0.0.1:8501"), ("127.0.0.1", "LOCALHOST")])
def test_a_browser_on_this_machine_is_a_local_visit(peer, host):
    assert is_local_visit(peer, {"Host": host})


@pytest.mark.parametrize("peer", [None, "", "192.168.1.20", "10.0.0.5", "2001:db8::1"])
def test_a_visit_from_elsewhere_or_from_nowhere_known_is_not(peer):
    assert not is_local_visit(peer, LOCAL)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "x-real-ip", "Forwarded", "X-Forwarded-Host"])
def test_a_visit_through_a_proxy_on_this_machine_is_not(header):
    assert not is_local_visit("127.0.0.1", {**LOCAL, header: "203.0.113.9"})


@pytest.mark.parametrize("host", ["neighbourly.example.org", "attacker.example:8501", "", "192.168.1.20:8501"])
def test_a_loopback_connection_asking_for_another_name_is_not(host):
    # a page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) must not create the first organiser
    assert not is_local_visit("127.0.0.1", {"Host": host})
