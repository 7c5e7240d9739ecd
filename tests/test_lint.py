"""ruff finds no undefined names, unused imports or unsorted imports (see ruff.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BESIDE_PYTHON = Path(sys.executable).with_name("ruff")
#: ruff on the PATH, else the one installed beside this Python
RUFF = shutil.which("ruff") or (str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else None)


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed: pip install -r requirements.txt")
def test_ruff_is_clean():
    proc = subprocess.run([RUFF, "check", "--output-format", "concise", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
