"""Everything a reader gave, exported or erased on request (`manage.py newsletter export|erase`).

The newsletter knows its own records; an app that keeps more about a reader (search alerts)
registers what it keeps from its AppConfig.ready(). Erasing keeps one thing: the address's
hash on the suppression list, so it is never mailed again.
"""

from django.db import transaction

from .models import OutboxMessage, Subscriber, Suppression

_sources = {}


def register(name, export, erase):
    """`export(email)` -> JSON-able data; `erase(email)` -> how many records it removed."""
    _sources[name] = (export, erase)


def export(email):
    return {name: source_export(email) for name, (source_export, _erase) in _all().items()}


def erase(email):
    """Remove every record of `email`; returns {source: records removed}."""
    with transaction.atomic():
        removed = {name: source_erase(email) for name, (_export, source_erase) in _all().items()}
        Suppression.add(email, Suppression.Reason.ERASED)
    return removed


def _all():
    return {"newsletter": (_export_newsletter, _erase_newsletter), **_sources}


SUBSCRIBER_FIELDS = ["email", "name", "organization", "country", "topics", "countries", "status",
                     "language", "consent_version", "consent_language", "consent_text",
                     "source_page", "signed_up_at", "confirmed_at", "unsubscribed_at"]  # fmt: skip


def _export_newsletter(email):
    subscribers = Subscriber.objects.filter(email__iexact=email).values(*SUBSCRIBER_FIELDS)
    messages = OutboxMessage.objects.filter(email__iexact=email).order_by("pk")
    return {
        "subscriber": [_jsonable(row) for row in subscribers],
        "emails": [
            {
                "kind": message.kind,
                "subject": message.payload.get("subject", ""),
                "state": message.state,
                "queued_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in messages
        ],
    }


def _erase_newsletter(email):
    """The subscriber (deleted: the provider's copy follows, signals.py) and the address in
    the delivery log (kept as counts, with nothing of the reader in them)."""
    removed = 0
    for subscriber in Subscriber.objects.filter(email__iexact=email):
        subscriber.delete()
        removed += 1
    removed += (
        OutboxMessage.objects.filter(email__iexact=email)
        .exclude(kind=OutboxMessage.Kind.PROVIDER, state=OutboxMessage.State.PENDING)
        .update(email="", payload={}, subscriber=None, last_error="")
    )
    return removed


def _jsonable(row):
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
