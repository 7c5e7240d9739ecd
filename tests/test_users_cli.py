"""``python -m dashboard users ...``: add (password on standard input), list, remove, role."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.__main__ import main
from dashboard.store import Store
from dashboard.store.users import Users

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def run(argv, capsys, monkeypatch, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def test_add_list_role_remove(db_url, capsys, monkeypatch):
    code, out, _ = run(["users", "add", "Ana@Example.org", "--role", "organiser", "--db", db_url], capsys,
                       monkeypatch, PASSWORD + "\n")
    assert code == 0 and out[0]["added"] == "ana@example.org" and out[0]["role"] == "organiser"
    run(["users", "add", "bo@example.org", "--role", "viewer", "--db", db_url], capsys, monkeypatch, PASSWORD)
    code, out, _ = run(["users", "list", "--db", db_url], capsys, monkeypatch)
    assert code == 0 and [(u["email"], u["role"]) for u in out] == [("ana@example.org", "organiser"),
                                                                  ("bo@example.org", "viewer")]
    assert all("hash" not in key for u in out for key in u)
    code, out, _ = run(["users", "role", "bo@example.org", "helper", "--db", db_url], capsys, monkeypatch)
    assert code == 0 and out == [{"email": "bo@example.org", "role": "helper", "db": out[0]["db"]}]
    code, out, _ = run(["users", "remove", "bo@example.org", "--db", db_url], capsys, monkeypatch)
    assert code == 0 and out[0]["removed"] == "bo@example.org"
    store = Store.open(db_url)
    try:
        users = Users(store)
        assert [u.email for u in users.list()] == ["ana@example.org"]
        assert users.sign_in("ana@example.org", PASSWORD).ok  # the piped password, without its newline
        assert {e.action for e in users.audit()} >= {"user_added", "role_changed", "user_removed"}
        assert all(e.actor.startswith("command line") for e in users.audit() if e.action != "signed_in")
    finally:
        store.close()


@pytest.mark.parametrize("argv, stdin, message", [
    (["users", "add", "ana@example.org", "--role", "organiser"], "too short\n", "at least 12"),
    (["users", "add", "ana@example.org", "--role", "organiser"], "", "has 0 characters"),
    (["users", "add", "ana@example.org", "--role", "organiser"], f"{PASSWORD}\n{PASSWORD}\n", "more than one line"),
    (["users", "add", "ana@example.org", "--role", "admin"], PASSWORD, "'admin' is not a role"),
    (["users", "add", "ana", "--role", "viewer"], PASSWORD, "'ana' is not an email address"),
    (["users", "remove", "nobody@example.org"], "", "nobody@example.org has no account"),
    (["users", "role", "nobody@example.org", "viewer"], "", "nobody@example.org has no account"),
    (["users", "role", "nobody@example.org", "king"], "", "'king' is not a role"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, monkeypatch, argv, stdin, message):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    code, out, err = run([*argv, "--db", db], capsys, monkeypatch, stdin)
    assert code == 2 and out == []
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_bad_input_creates_no_database(tmp_path, capsys, monkeypatch):
    run(["users", "add", "ana@example.org", "--role", "organiser", "--db", f"sqlite:///{tmp_path / 'w.db'}"],
        capsys, monkeypatch, "short\n")
    assert not (tmp_path / "w.db").exists()


def test_adding_an_email_twice_exits_2(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    assert run(["users", "add", "ana@example.org", "--role", "viewer", "--db", db], capsys, monkeypatch, PASSWORD)[0] == 0
    code, _, err = run(["users", "add", "ANA@example.org", "--role", "viewer", "--db", db], capsys, monkeypatch, PASSWORD)
    assert code == 2 and "already has an account" in err


def test_a_password_piped_into_the_real_command(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    proc = subprocess.run([sys.executable, "-m", "dashboard", "users", "add", "ana@example.org", "--role", "helper",
                           "--db", db], input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["role"] == "helper"
    assert PASSWORD not in proc.stdout + proc.stderr
