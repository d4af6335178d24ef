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
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from portal.retry import Breaker, RetryPolicy

from .models import OutboxMessage, Suppression
from .providers import get_provider
from .providers.base import DeliveryError, PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)
# A claim a killed worker left is free again after CLAIM_SECONDS (then the message is retried).
POLICY = RetryPolicy(
    backoff=(10, 60, 300, 900, 1800),
    then=3600,
    claim_seconds=settings.NEWSLETTER.get("CLAIM_SECONDS", 120),
)
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


def queue_provider_message(key, payload):
    """Queue one keyed job for the provider (an update's campaign): queued once, whatever
    reruns, and retried with backoff until the provider has it."""
    message, created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"kind": OutboxMessage.Kind.PROVIDER, "email": "", "payload": payload}
    )
    if created:
        _deliver_after_commit(message.pk)
    return message


def queue_email(subscriber, email):
    """Queue an email (a dict from `emails.build`); sent after the commit, retried if SMTP fails.
    `subscriber` is None for an email to a reader not on the list (an alert's confirmation)."""
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL, subscriber=subscriber, email=email["to"], payload=email
    )
    _deliver_after_commit(message.pk)
    return message


def queue_bulk(emails, batch_size=500):
    """Queue many emails for the worker: (key, payload, subscriber or None) triples.

    Each key is one recipient and one update, unique in the outbox: queuing the same key
    again (a second run, a rerun after a crash) adds nothing. Returns how many are queued.
    """
    messages = [
        OutboxMessage(
            kind=OutboxMessage.Kind.EMAIL,
            key=key,
            subscriber=subscriber,
            email=payload["to"],
            payload=payload,
        )
        for key, payload, subscriber in emails
    ]
    before = OutboxMessage.objects.filter(key__in=[m.key for m in messages]).count()
    OutboxMessage.objects.bulk_create(messages, batch_size=batch_size, ignore_conflicts=True)
    return len(messages) - before


def _deliver_after_commit(pk):
    transaction.on_commit(lambda: deliver_due(ids=[pk], in_request=True))


class Throttle:
    """At most `rate` emails a second from this worker (settings.NEWSLETTER["SEND_RATE"]), so
    a list of thousands does not trip the SMTP server's limits; 0 means no limit."""

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


def deliver_due(limit=200, ids=None, in_request=False, now=None):
    """Deliver due messages; returns (sent, retrying, failed) counts.

    The worker's batches share one SMTP connection and keep to the send rate; a reader's
    request sends its one email at once."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    sent = retrying = failed = 0
    throttle = Throttle(0 if in_request else settings.NEWSLETTER["SEND_RATE"])
    with Mailer() as mailer:
        for message in due.order_by("next_attempt_at", "pk")[:limit]:
            if in_request and BREAKERS[message.kind].is_open:
                continue  # the target failed moments ago: do not make this reader wait for it too
            if not _claim(message, now):
                continue
            if message.kind == OutboxMessage.Kind.EMAIL:
                throttle.wait()
            outcome = _attempt(message, mailer)
            sent += outcome == "sent"
            retrying += outcome == "retrying"
            failed += outcome == "failed"
    return sent, retrying, failed


class Mailer:
    """One email-backend connection for a batch, opened on first use and reopened after an
    error (a dropped SMTP connection must not fail the rest of the batch)."""

    connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except (smtplib.SMTPException, OSError):  # a failed connection has nothing to close
                logger.debug("Newsletter outbox: closing the email connection failed")
            self.connection = None

    def send(self, payload):
        try:
            if self.connection is None:
                self.connection = get_connection()
                try:  # kept open: send() alone would open and close it for every message
                    self.connection.open()
                except (smtplib.SMTPException, OSError) as error:
                    raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
            send_email(payload, self.connection)
        except Exception:
            self.close()
            raise


def _claim(message, now):
    pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
    return POLICY.claim(pending, message.pk, now)


def _attempt(message, mailer):
    message.refresh_from_db()
    try:
        if message.kind == OutboxMessage.Kind.EMAIL:
            if Suppression.covers(message.email):
                raise PermanentFailure("suppressed: the address bounced, complained or was erased")
            mailer.send(message.payload)
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


def send_email(payload, connection=None):
    """Send a queued email; refused recipients fail for good, everything else is retried."""
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        to=[payload["to"]],
        headers=payload.get("headers", {}),
        connection=connection,
    )
    # No tracking pixel or rewritten links of the portal's own; an email provider (anymail)
    # tracks opens only when the site turns them on.
    email.track_opens = bool(settings.NEWSLETTER.get("TRACK_OPENS"))
    email.track_clicks = False
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
