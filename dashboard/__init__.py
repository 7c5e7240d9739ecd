"""Neighbourly's core: pure, typed, never imports streamlit (see ARCHITECTURE.md).

Importing it sets pyarrow's memory pool to the system allocator (unless
``ARROW_DEFAULT_MEMORY_POOL`` names one): pyarrow's default here, mimalloc, hands
freed pages back to the kernel and faults them in again, which cost a 100k-member
load about 0.5 s of system CPU more than glibc's malloc does (README, Speed)."""

import os

import pyarrow as _pa

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"

if not os.environ.get(ARROW_POOL_VARIABLE):
    _pa.set_memory_pool(_pa.system_memory_pool())
