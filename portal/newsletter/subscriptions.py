"""What signing up, confirming and unsubscribing do to the list (the views stay thin).

The public response to a signup never depends on whether the address is
known: a new or pending address gets a confirmation email, a subscribed one
gets a note that it already is, and an existing record changes only when its
owner follows the confirmation link. Emails go in the reader's language (emails.py).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import consent, emails, outbox
from .models import Subscriber, known_language

DETAILS = {"n": "name", "o": "organization", "c": "country", "t": "topics", "k": "countries"}


def find(email):
    return Subscriber.objects.filter(email__iexact=email).first()


def sign_up(signup, base_url):
    """Record a signup and queue its email; the caller shows the same page whatever happened."""
    signup = {**signup, "at": timezone.now().isoformat()}
    with transaction.atomic():
        subscriber = find(signup["e"])
        if subscriber is None:
            subscriber = _create_pending(signup)
        elif subscriber.status == Subscriber.Status.PENDING:
            _apply_details(subscriber, signup)
            subscriber.source_page = signup["s"] or subscriber.source_page
            subscriber.signed_up_at = timezone.now()
            subscriber.save()
        if subscriber.status == Subscriber.Status.SUBSCRIBED:
            email = emails.already_subscribed(signup, base_url, subscriber.language)
            outbox.queue_email(subscriber, email)
        else:
            outbox.queue_email(subscriber, emails.confirmation(signup, base_url))
    return subscriber


def _create_pending(signup):
    try:
        with transaction.atomic():
            subscriber = Subscriber(
                email=signup["e"], source_page=signup["s"], status=Subscriber.Status.PENDING
            )
            _apply_details(subscriber, signup)
            subscriber.save()
            return subscriber
    except IntegrityError:  # the same address signed up at the same moment
        return find(signup["e"])


def _apply_details(subscriber, signup):
    for key, field in DETAILS.items():
        setattr(subscriber, field, signup.get(key) or ([] if key in "tk" else ""))
    subscriber.language = known_language(signup.get("l"))


def confirm(signup):
    """Subscribe with the details and consent the link carries; returns (subscriber, changed)."""
    with transaction.atomic():
        subscriber = find(signup["e"]) or Subscriber(
            email=signup["e"], source_page=signup.get("s", "")
        )
        before = _state(subscriber)
        _apply_details(subscriber, signup)
        version = signup.get("v") or consent.CURRENT
        language = signup.get("vl") or "en"  # links signed before languages showed English
        subscriber.consent_version = version
        subscriber.consent_language = language
        subscriber.consent_text = consent.text(version, language)
        if subscriber.status != Subscriber.Status.SUBSCRIBED:
            subscriber.status = Subscriber.Status.SUBSCRIBED
            subscriber.confirmed_at = timezone.now()
            subscriber.signed_up_at = _parse(signup.get("at")) or subscriber.signed_up_at
        changed = _state(subscriber) != before
        if changed:
            subscriber.save()
            outbox.queue_provider_sync(subscriber)
    return subscriber, changed


def unsubscribe(email):
    """Unsubscribe; returns (subscriber or None, changed). Unknown or already unsubscribed: no
    change."""
    with transaction.atomic():
        subscriber = find(email)
        if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
            return subscriber, False
        was_at_provider = subscriber.status in (
            Subscriber.Status.SUBSCRIBED,
            Subscriber.Status.BOUNCED,
        )
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save()
        if was_at_provider:
            outbox.queue_provider_sync(subscriber)
    return subscriber, True


def _state(subscriber):
    return (
        subscriber.pk,
        subscriber.status,
        *(getattr(subscriber, f) for f in DETAILS.values()),
        subscriber.language,
        subscriber.consent_version,
        subscriber.consent_language,
    )


def _parse(value):
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
