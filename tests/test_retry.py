"""portal.retry: the one durable retry behind the newsletter outbox and the search index queue."""

import datetime
import time

import pytest
from django.utils import timezone

from portal.newsletter import outbox
from portal.retry import Breaker, RetryPolicy
from search import indexing
from search.models import PendingIndexUpdate

pytestmark = pytest.mark.django_db


def test_backoff_table_then_a_fixed_interval():
    policy = RetryPolicy(backoff=(5, 30), then=3600)
    assert [policy.delay(n) for n in (1, 2, 3, 10)] == [5, 30, 3600, 3600]
    now = timezone.now()
    fields = policy.failure(2, ValueError("x" * 3000), now=now)
    assert fields["next_attempt_at"] == now + datetime.timedelta(seconds=30)
    assert fields["attempts"] == 2 and len(fields["last_error"]) == 2000
    assert fields["claimed_until"] is None


def test_both_queues_use_the_shared_policy():
    assert isinstance(outbox.POLICY, RetryPolicy) and isinstance(indexing.POLICY, RetryPolicy)
    assert indexing.POLICY.backoff[0] == 5 and outbox.POLICY.backoff[0] == 10


def test_a_claimed_row_is_not_claimed_again_until_the_claim_runs_out():
    row = PendingIndexUpdate.objects.create(key="page:1")
    policy, now = indexing.POLICY, timezone.now()
    assert policy.claim(PendingIndexUpdate.objects, row.pk, now)
    assert not policy.claim(PendingIndexUpdate.objects, row.pk, now), "a second worker waits"
    later = now + datetime.timedelta(seconds=policy.claim_seconds + 1)
    assert policy.claim(PendingIndexUpdate.objects, row.pk, later), "a dead worker's claim ends"


def test_the_index_queue_skips_rows_another_worker_holds(home):
    PendingIndexUpdate.objects.all().delete()  # what the fixture's pages queued
    indexing.request_update([home.pk])
    row = PendingIndexUpdate.objects.get()
    assert indexing.POLICY.claim(PendingIndexUpdate.objects, row.pk)  # another worker has it
    assert indexing.process_pending() == (0, 0)
    assert PendingIndexUpdate.objects.filter(pk=row.pk).exists()
    indexing.request_update([home.pk])  # a newer change frees it for its own worker
    assert indexing.process_pending() == (1, 0)
    assert not PendingIndexUpdate.objects.exists()


@pytest.mark.parametrize("shared", [True, False])
def test_breaker_opens_on_a_failure_and_closes_after_its_time(shared, monkeypatch):
    breaker = Breaker("test", 30, shared=shared)
    assert not breaker.is_open
    breaker.trip()
    assert breaker.is_open
    assert Breaker("test", 30, shared=True).is_open is shared, "shared: every process sees it"
    if not shared:
        monotonic = time.monotonic() + 31
        monkeypatch.setattr("portal.retry.time.monotonic", lambda: monotonic)
        assert not breaker.is_open
