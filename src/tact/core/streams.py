"""Streaming helpers."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterable[T], *, depth: int = 20_000) -> Iterator[T]:
    """Iterate ``items`` in a background thread, up to ``depth`` items ahead.

    A parser keeps reading the next rows while the caller waits on the database (psycopg
    releases the GIL there), so parsing and writing overlap. The producer must not touch
    the database. An exception in the producer is raised in the consumer.
    """
    buffer: queue.Queue = queue.Queue(maxsize=max(1, depth // 500))
    stop = threading.Event()

    def produce() -> None:
        batch: list = []
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= 500:
                    buffer.put(batch)
                    batch = []
                    if stop.is_set():
                        return
            if batch:
                buffer.put(batch)
            buffer.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, who raises it
            if batch:
                buffer.put(batch)  # the items read before the error come first
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            batch = buffer.get()
            if batch is _DONE:
                return
            if isinstance(batch, BaseException):
                raise batch
            yield from batch
    finally:
        stop.set()
        while thread.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
