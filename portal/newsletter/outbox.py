"""The durable outbox: changes and emails are rows first, deliveries second.

A message is queued in the caller's transaction. After the commit it is
delivered at once (short timeout, skipped while the target is known to be
failing), and `manage.py newsletter sync` delivers whatever is still due.
Retries, claiming and the breaker are portal.retry's, shared with the search
index queue: two workers never send the same message at the same time, and a
crash after sending and before recording means one retry, which providers
absorb (deliveries are upserts).
"""

import logging
import smtplib

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.retry import Breaker, RetryPolicy

from .models import OutboxMessage
from .providers import get_provider
from .providers.base import DeliveryError, PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)
POLICY = RetryPolicy(backoff=(10, 60, 300, 900, 1800), then=3600, claim_seconds=120)
BREAKER_SECONDS = 30  # after a failure, requests leave deliveries of that kind to the worker
BREAKERS = {
    kind: Breaker(f"newsletter:outbox:{kind}", BREAKER_SECONDS) for kind in OutboxMessage.Kind
}


def queue_provider_sync(subscriber, action="sync"):
    """Queue the subscriber's current state for the provider (nothing when there is none)."""
    if not get_provider().enabled:
        return None
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.PROVIDER,
        subscriber=subscriber,
        email=subscriber.email,
        payload={"action": action},
    )
    _deliver_after_commit(message.pk)
    return message


def queue_provider_delete(email):
    """After an admin deletes a subscriber: remove (archive) them at the provider too."""
    if not get_provider().enabled:
        return None
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.PROVIDER, email=email, payload={"action": "delete"}
    )
    _deliver_after_commit(message.pk)
    return message


def queue_email(subscriber, email):
    """Queue an email (a dict from `emails.build`); sent after the commit, retried if SMTP fails."""
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL, subscriber=subscriber, email=subscriber.email, payload=email
    )
    _deliver_after_commit(message.pk)
    return message


def _deliver_after_commit(pk):
    transaction.on_commit(lambda: deliver_due(ids=[pk], in_request=True))


def deliver_due(limit=200, ids=None, in_request=False, now=None):
    """Deliver due messages; returns (sent, retrying, failed) counts."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    sent = retrying = failed = 0
    for message in due.order_by("next_attempt_at", "pk")[:limit]:
        if in_request and BREAKERS[message.kind].is_open:
            continue  # the target failed moments ago: do not make this reader wait for it too
        if not _claim(message, now):
            continue
        outcome = _attempt(message)
        sent += outcome == "sent"
        retrying += outcome == "retrying"
        failed += outcome == "failed"
    return sent, retrying, failed


def _claim(message, now):
    pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
    return POLICY.claim(pending, message.pk, now)


def _attempt(message):
    message.refresh_from_db()
    try:
        if message.kind == OutboxMessage.Kind.EMAIL:
            send_email(message.payload)
        else:
            get_provider().deliver(message)
    except DeliveryError as error:
        return _record_failure(message, error)
    except Exception as error:  # an unexpected error is retried and logged, never lost
        logger.exception("Newsletter outbox: message %s raised", message.pk)
        return _record_failure(message, TemporaryFailure(f"{type(error).__name__}: {error}"))
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        claimed_until=None,
    )
    return "sent"


def _record_failure(message, error):
    attempts = message.attempts + 1
    fields = POLICY.failure(attempts, error)
    if error.retry:
        BREAKERS[message.kind].trip()
        logger.warning(
            "Newsletter outbox: message %s will be retried in %s s: %s",
            message.pk,
            POLICY.delay(attempts),
            error,
        )
        outcome = "retrying"
    else:
        del fields["next_attempt_at"]
        fields["state"] = OutboxMessage.State.FAILED
        logger.error("Newsletter outbox: message %s failed: %s", message.pk, error)
        outcome = "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(**fields)
    return outcome


def send_email(payload):
    """Send a queued email; refused recipients fail for good, everything else is retried."""
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        to=[payload["to"]],
        headers=payload.get("headers", {}),
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"recipient refused: {error.recipients}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


def retry_now():
    """Make every pending message due now (after an outage)."""
    return OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).update(
        next_attempt_at=timezone.now()
    )
