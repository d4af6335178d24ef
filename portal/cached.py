"""Small values every request reads and editors rarely change, kept in the shared cache:
read from it, else computed and stored; forgotten at once when what they hold changes.

A cache that is down is read around (the value is computed), never an error.
"""

import contextlib

from django.core.cache import caches
from django.db import transaction


def read(key, compute, timeout):
    """The cached value of `key`, else `compute()` (stored for `timeout` seconds)."""
    cache = caches["default"]
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that is down: compute it
        found, cache = None, None
    if found is None:
        found = compute()
        if cache is not None:
            with contextlib.suppress(Exception):  # computed again next time
                cache.set(key, found, timeout)
    return found


def forget(key):
    """Drop `key` now and once the transaction commits, so that no request in between caches
    the old value again."""

    def delete():
        with contextlib.suppress(Exception):  # it expires after its timeout
            caches["default"].delete(key)

    delete()
    transaction.on_commit(delete)
