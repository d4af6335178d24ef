"""What asking for, confirming and stopping an alert do (the views stay thin).

As with the newsletter's signup, the answer to a request never depends on whether the
address is known, and nothing is stored until the owner of the address follows the link.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.newsletter import consent, outbox
from portal.newsletter.models import known_language
from portal.newsletter.tokens import InvalidToken, read, sign

from . import emails
from .models import SearchAlert

CONFIRM_SALT = "alerts.confirm"
STOP_SALT = "alerts.stop"
MANAGE_SALT = "alerts.manage"


def ask(signup, base_url):
    """Queue the confirmation email; the caller shows the same page whatever happened."""
    with transaction.atomic():
        outbox.queue_email(None, emails.confirmation(signup, base_url))


def confirm(signup, now=None):
    """The alert the link describes, created (or its frequency changed); (alert, created)."""
    now = now or timezone.now()
    language = known_language(signup.get("l"))
    existing = active_for(signup["e"]).filter(query=signup["q"], language=language).first()
    if existing:
        if existing.frequency != signup["f"]:
            existing.frequency = signup["f"]
            existing.next_due_at = existing.next_due(existing.mark)
            existing.save(update_fields=["frequency", "next_due_at"])
        return existing, False
    version, consent_language = signup.get("v") or consent.CURRENT, signup.get("vl") or language
    alert = SearchAlert(
        email=signup["e"],
        query=signup["q"],
        language=language,
        frequency=signup["f"],
        consent_version=version,
        consent_language=consent_language,
        consent_text=consent.text(version, consent_language),
        created_at=now,
        mark=now,  # what is new from now on: the reader has seen the search as it is
        next_due_at=SearchAlert(frequency=signup["f"]).next_due(now),
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:  # the link was followed twice at once
        return active_for(signup["e"]).get(query=signup["q"], language=language), False
    return alert, True


def active_for(email):
    return SearchAlert.objects.filter(email__iexact=email, stopped_at__isnull=True)


def stop(alerts):
    """Stop these alerts; returns how many were running."""
    return alerts.filter(stopped_at__isnull=True).update(stopped_at=timezone.now())


# --- Links ------------------------------------------------------------------------------


def confirm_token(signup):
    return sign(signup, CONFIRM_SALT)


def read_confirm_token(token, max_age):
    return read(token, CONFIRM_SALT, _("This confirmation link is not valid."), max_age=max_age)


def stop_token(alert):
    return sign({"a": alert.pk}, STOP_SALT)


def alert_for_stop_token(token):
    """The alert a stop link names (stopped already or not), or InvalidToken."""
    value = read(token, STOP_SALT, _("This link to stop an alert is not valid."))
    alert = SearchAlert.objects.filter(pk=value.get("a") if isinstance(value, dict) else None)
    if not alert.exists():
        raise InvalidToken(_("This alert no longer exists."))
    return alert.get()


def manage_token(email):
    return sign(email.lower(), MANAGE_SALT)


def email_for_manage_token(token):
    return read(token, MANAGE_SALT, _("This link to your alerts is not valid."))


# --- A reader's data (portal.newsletter.personal_data) ----------------------------------


def export_alerts(email):
    alerts = SearchAlert.objects.filter(email__iexact=email).order_by("pk")
    return [
        {
            "query": alert.query,
            "language": alert.language,
            "frequency": alert.frequency,
            "consent_version": alert.consent_version,
            "consent_language": alert.consent_language,
            "consent_text": alert.consent_text,
            "created_at": alert.created_at.isoformat(),
            "last_sent_at": alert.last_sent_at.isoformat() if alert.last_sent_at else None,
            "stopped_at": alert.stopped_at.isoformat() if alert.stopped_at else None,
            "sent": list(alert.items.order_by("pk").values_list("key", flat=True)),
        }
        for alert in alerts
    ]


def erase_alerts(email):
    return (
        SearchAlert.objects.filter(email__iexact=email).delete()[1].get(SearchAlert._meta.label, 0)
    )
