"""mypy finds no type errors in the core (``dashboard/``; settings in mypy.ini)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BESIDE_PYTHON = Path(sys.executable).with_name("mypy")
#: mypy on the PATH, else the one installed beside this Python
MYPY = shutil.which("mypy") or (str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else None)


@pytest.mark.skipif(MYPY is None, reason="mypy is not installed: pip install -r requirements.txt")
def test_mypy_is_clean():
    # the first run on a fresh checkout takes minutes on a busy 2-core machine; later runs
    # read .mypy_cache and take seconds
    proc = subprocess.run([MYPY], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
