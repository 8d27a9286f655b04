"""prefetch: a background reader that keeps order, raises the reader's error, and stops."""

import threading

import pytest

from tact.core.streams import prefetch


def test_prefetch_yields_every_item_in_order():
    assert list(prefetch(iter(range(2345)), depth=1000)) == list(range(2345))


def test_an_error_in_the_reader_is_raised_to_the_consumer_after_the_items_before_it():
    def items():
        yield from range(3)
        raise ValueError("line 4 cannot be read")

    seen = []
    with pytest.raises(ValueError, match="line 4"):
        for item in prefetch(items()):
            seen.append(item)

    assert seen == [0, 1, 2]


def test_a_consumer_that_stops_early_leaves_no_reader_behind():
    stream = prefetch(iter(range(1_000_000)), depth=1000)
    assert next(stream) == 0

    stream.close()

    assert not [t for t in threading.enumerate() if t.name == "prefetch"]
