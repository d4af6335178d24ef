"""Email providers' tracking webhooks (django-anymail): hard bounces and complaints suppress.

Anymail verifies each provider's webhook its own way (shared basic-auth secret, plus the
provider's signature where it signs: Mailgun, Postmark, SendGrid, Amazon SES via SNS) and
sends one normalised `tracking` signal. A hard bounce or a complaint puts the address on the
suppression list (a hash only), so nothing is mailed to it again, an update or an alert;
the subscriber, if any, is marked bounced or unsubscribed.

The webhooks answer only once ANYMAIL_WEBHOOK_SECRET is set: anymail would otherwise take
unsigned posts from anyone (or fail for a provider with no key), so until then they are 404.
"""

from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404
from django.urls import Resolver404, resolve

from . import subscriptions
from .models import Subscriber, Suppression

SUPPRESSING = {"bounced": Suppression.Reason.BOUNCED, "complained": Suppression.Reason.COMPLAINED}


def webhook(request, path):
    """/anymail/<provider>/tracking/: anymail's own view, once webhooks are secured."""
    if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        raise Http404("Tracking webhooks are off: set ANYMAIL_WEBHOOK_SECRET.")
    try:
        match = resolve(f"/{path}", urlconf="anymail.urls")
    except Resolver404 as error:
        raise Http404("No such webhook.") from error
    return match.func(request, *match.args, **match.kwargs)


@receiver(tracking)
def suppress_bounces_and_complaints(sender, event, esp_name, **kwargs):
    reason = SUPPRESSING.get(event.event_type)
    if reason is None or not event.recipient:
        return
    Suppression.add(event.recipient, reason)
    if reason == Suppression.Reason.COMPLAINED:
        subscriptions.unsubscribe(event.recipient)
        return
    subscriber = subscriptions.find(event.recipient)
    if subscriber is not None and subscriber.status == Subscriber.Status.SUBSCRIBED:
        subscriber.status = Subscriber.Status.BOUNCED
        subscriber.save(update_fields=["status", "updated_at"])
