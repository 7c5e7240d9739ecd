"""The core never imports streamlit: only dashboard/ui/ may."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "dashboard"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    core_files = [p for p in CORE.rglob("*.py") if "ui" not in p.relative_to(CORE).parts]
    assert len(core_files) > 5
    offenders = [str(p.relative_to(CORE)) for p in core_files if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_the_guard_sees_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from streamlit import session_state\n")
    assert "streamlit" in imported_modules(bad)
