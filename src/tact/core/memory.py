"""Memory management for the large batches (a bank statement of 100,000 lines)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a batch that creates millions of objects
    which all live until its end (parsed lines, the open items, matches, rows to COPY).

    Each collection of the oldest generation walks every live object, and a batch that keeps
    allocating starts one again and again: 5 of the 23 s of CPU a 100,000-line import spent
    in Python went there. Reference counting still frees what the batch drops; cycles left
    over are collected after it. Nested or concurrent uses leave the collector as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
