"""The core runs pyarrow off mimalloc (jemalloc, else the system allocator) unless the operator
chose a pool."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pool_after_import(**env: str) -> str:
    code = "import dashboard, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60, check=True)
    return proc.stdout.strip()


def test_importing_the_core_moves_pyarrow_off_mimalloc():
    import pyarrow

    try:
        pyarrow.jemalloc_memory_pool()
        expected = "jemalloc"
    except NotImplementedError:
        expected = "system"
    assert _pool_after_import() == expected


def test_an_operators_choice_of_pool_is_kept():
    assert _pool_after_import(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"
