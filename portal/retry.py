"""Durable retries, shared by the newsletter outbox and the search index queue.

Work is a database row first (queued in the caller's transaction), attempted
second. A `RetryPolicy` says when a failed row is tried again (a backoff
table, then a fixed interval for as long as it takes) and how long a worker's
claim on a row lasts, so two workers never attempt the same row at once. A
`Breaker` remembers that a target failed moments ago, so readers' requests
leave the work to the worker instead of each waiting for the same timeout.
"""

import datetime
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class RetryPolicy:
    backoff: tuple  # seconds before the 1st, 2nd, ... retry
    then: int = 3600  # seconds between retries after the table runs out
    claim_seconds: int = 120  # a claim a crashed worker left is free again after this

    def delay(self, attempts):
        """Seconds to wait after `attempts` failed attempts (1 or more)."""
        return self.backoff[attempts - 1] if attempts <= len(self.backoff) else self.then

    def failure(self, attempts, error, now=None):
        """The fields that record a failed attempt (`attempts` counts it) and schedule the next."""
        now = now or timezone.now()
        return {
            "attempts": attempts,
            "last_error": str(error)[:2000],
            "next_attempt_at": now + datetime.timedelta(seconds=self.delay(attempts)),
            "claimed_until": None,
        }

    def claim(self, queryset, pk, now=None):
        """Claim one row of `queryset` for this worker with a conditional UPDATE: True if this
        worker got it (no one holds it, or the holder's claim ran out)."""
        now = now or timezone.now()
        free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        until = now + datetime.timedelta(seconds=self.claim_seconds)
        return queryset.filter(free, pk=pk).update(claimed_until=until) == 1


class Breaker:
    """Open for `seconds` after a failure. Shared by every process through the default cache,
    or held by this process alone (no cache read on every check)."""

    def __init__(self, name, seconds, shared=True):
        self.key = f"breaker:{name}"
        self.seconds = float(seconds)
        self.shared = shared
        self._open_until = 0.0

    def trip(self):
        if self.shared:
            cache.set(self.key, True, self.seconds)
        else:
            self._open_until = time.monotonic() + self.seconds

    @property
    def is_open(self):
        if self.shared:
            return bool(cache.get(self.key))
        return time.monotonic() < self._open_until
