"""Sending an update: its audience, its emails, and what became of them.

`send_due(now)` (registered with `newsletter send-due`) takes each approved update whose
time has come. With the default email delivery it queues one email per recipient in the
outbox, keyed `update:<issue>:<subscriber>`, in chunks: a crash part-way means the next run
queues the rest and nobody twice. With Mailchimp as the provider, it queues one campaign
(providers/mailchimp.py), which the outbox retries without ever creating a second.
"""

import itertools

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from . import emails, outbox
from .models import (
    NewsletterIssue,
    OutboxMessage,
    Subscriber,
    Suppression,
    known_language,
    suppression_hash_of,
)
from .providers import get_provider
from .tokens import make_unsubscribe_token

CHUNK = 500


def audience(issue):
    """The subscribers an update goes to, streamed: confirmed, in its segment (any of its
    topics, and any of its countries, and one of its languages), and never suppressed."""
    subscribers = Subscriber.objects.filter(status=Subscriber.Status.SUBSCRIBED).order_by("pk")
    segment = issue.audience == NewsletterIssue.Audience.SEGMENT
    if segment and issue.languages:
        subscribers = subscribers.filter(language__in=issue.languages)
    topics, countries = (
        set(issue.topics if segment else ()),
        set(issue.countries if segment else ()),
    )
    suppressed = set(Suppression.objects.values_list("email_hash", flat=True))
    for subscriber in subscribers.iterator(chunk_size=CHUNK):
        if topics and not topics.intersection(subscriber.topics):
            continue
        if countries and not countries.intersection(subscriber.countries):
            continue
        if suppression_hash_of(subscriber.email) in suppressed:
            continue
        yield subscriber


def recipient_count(issue):
    return sum(1 for _subscriber in audience(issue))


def sections(issue):
    """The update's blocks as the email shows them: ("text", html) or ("items", heading,
    [ListedItem]); a "what is new" block with nothing new is left out."""
    out = []
    for block in issue.body:
        if block.block_type == "paragraph":
            out.append(
                {"kind": "text", "html": str(block.value), "text": strip_tags(str(block.value))}
            )
            continue
        items = block.block.items(block.value, issue)
        if items:
            out.append({"kind": "items", "heading": block.value["heading"], "items": items})
    return out


def build_email(issue, to, rendered_sections, unsubscribe_url=None):
    """The update for one address, in the update's language, with that address's own
    one-click unsubscribe link (or the provider's merge tag for it, in a campaign)."""
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    with translation.override(known_language(issue.language)):
        unsubscribe_url = unsubscribe_url or base_url + reverse(
            "newsletter:unsubscribe", args=[make_unsubscribe_token(to)]
        )
        return emails.build(
            "newsletter/email/update",
            to,
            issue.subject,
            unsubscribe_url,
            issue=issue,
            sections=rendered_sections,
        )


def preview_email(issue, to):
    return build_email(issue, to, sections(issue))


def send_test(issue, user):
    """The update as a reader gets it, sent now to the staff member who asked."""
    with transaction.atomic():
        outbox.queue_email(None, preview_email(issue, user.email))


def schedule(issue, when, user):
    """Send it at `when` (now or later); an update is sent once, never again."""
    if NewsletterIssue.objects.filter(pk=issue.pk, queued_at__isnull=False).exists():
        raise ValueError("This update has been sent already.")
    issue.send_status = NewsletterIssue.Status.SCHEDULED
    issue.send_at, issue.scheduled_by = when, user
    issue.save(update_fields=["send_status", "send_at", "scheduled_by"])


def unschedule(issue):
    issue.send_status, issue.send_at = NewsletterIssue.Status.DRAFT, None
    issue.save(update_fields=["send_status", "send_at"])


def send_due(now):
    """Queue every scheduled, approved update whose time has come (with Mailchimp, every
    scheduled one: Mailchimp keeps the time); returns emails (or campaigns) queued."""
    due = NewsletterIssue.objects.filter(send_status=NewsletterIssue.Status.SCHEDULED, live=True)
    if not getattr(get_provider(), "sends_campaigns", False):
        due = due.filter(send_at__lte=now)
    queued = 0
    for issue in due.order_by("send_at", "pk"):
        queued += _send(issue, now)
    return queued


def _send(issue, now):
    rendered = sections(issue)
    provider = get_provider()
    if getattr(provider, "sends_campaigns", False):
        recipients = [subscriber.email for subscriber in audience(issue)]
        payload = {
            **build_email(issue, "*|EMAIL|*", rendered, unsubscribe_url="*|UNSUB|*"),
            "action": "campaign",
            "issue": issue.pk,
            "emails": recipients,
            "send_at": issue.send_at.isoformat() if issue.send_at else None,
            "track_opens": bool(settings.NEWSLETTER.get("TRACK_OPENS")),
            "from_name": settings.WAGTAIL_SITE_NAME,
            "reply_to": settings.DEFAULT_FROM_EMAIL,
        }
        with transaction.atomic():
            outbox.queue_provider_message(f"campaign:{issue.pk}", payload)
            _mark_queued(issue, now, len(recipients))
        return 1
    queued = total = 0
    subscribers = audience(issue)
    while chunk := list(itertools.islice(subscribers, CHUNK)):
        total += len(chunk)
        messages = [
            (f"update:{issue.pk}:{s.pk}", build_email(issue, s.email, rendered), s) for s in chunk
        ]
        with transaction.atomic():
            queued += outbox.queue_bulk(messages)
    _mark_queued(issue, now, total)
    return queued


def _mark_queued(issue, now, count):
    NewsletterIssue.objects.filter(pk=issue.pk).update(
        send_status=NewsletterIssue.Status.QUEUED, queued_at=now, recipient_count=count
    )


def delivery(issue):
    """What became of an update's emails: queued, sent, failed, bounced, unsubscribed after."""
    messages = OutboxMessage.objects.filter(key__startswith=f"update:{issue.pk}:")
    states = dict(messages.values_list("state").annotate(n=Count("id")))
    emails_sent = list(messages.values_list("email", flat=True))
    hashes = {suppression_hash_of(address) for address in emails_sent}
    bounced = Suppression.objects.filter(
        email_hash__in=hashes,
        reason__in=[Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED],
    ).count()
    unsubscribed = 0
    if issue.queued_at:
        unsubscribed = (
            Subscriber.objects.filter(outbox__in=messages, unsubscribed_at__gte=issue.queued_at)
            .distinct()
            .count()
        )
    return {
        "recipients": issue.recipient_count,
        "queued": states.get(OutboxMessage.State.PENDING, 0),
        "sent": states.get(OutboxMessage.State.SENT, 0),
        "failed": states.get(OutboxMessage.State.FAILED, 0),
        "bounced": bounced,
        "unsubscribed": unsubscribed,
    }
