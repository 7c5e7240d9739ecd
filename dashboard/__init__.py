"""Neighbourly's core: pure, typed, never imports streamlit (see ARCHITECTURE.md).

Importing it moves pyarrow's memory pool off mimalloc (pyarrow's default here), unless
``ARROW_DEFAULT_MEMORY_POOL`` names a pool: mimalloc hands freed pages back to the kernel
and faults them in again, which cost a 100k-member load 1.1-2.0 s of system CPU against
0.3-0.6 s on jemalloc or glibc's malloc (user time the same). jemalloc also held the least
memory (peak about 1.0 GB against 1.1 GB on mimalloc and 1.25 GB on glibc's malloc, which
numpy shares), so it is used where pyarrow has it, else the system allocator (README, Speed).
"""

import os

import pyarrow as _pa

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def _pool() -> _pa.MemoryPool:
    try:
        return _pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it (some platforms)
        return _pa.system_memory_pool()


if not os.environ.get(ARROW_POOL_VARIABLE):
    _pa.set_memory_pool(_pool())
