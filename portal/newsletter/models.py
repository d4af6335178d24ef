"""The subscriber list (the source of truth) and the outbox of changes still to deliver.

The provider (Mailchimp, a webhook) is a copy: every change is written here
first, inside the request's transaction, and delivered afterwards, so a
provider outage or a crashed worker loses nothing.
"""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.utils import timezone
from wagtail.fields import StreamField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from .blocks import UpdateBodyBlock


def email_hash_of(email):
    """Mailchimp's subscriber hash: MD5 of the lower-cased address (an identifier, not security)."""
    return hashlib.md5(email.lower().encode()).hexdigest()


def suppression_hash_of(email):
    """What the suppression list keeps of an address: a SHA-256 of it lower-cased, so an
    erased address is never mailed again and is not kept in the clear."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def language_choices():
    """The site's languages (settings.LANGUAGES), read when a form asks, never at import."""
    return settings.LANGUAGES


def default_language():
    return settings.LANGUAGE_CODE


def known_language(code):
    """`code` if it is one of the site's languages, else the default (a link signed before a
    language was removed, or before languages were recorded at all)."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class Subscriber(models.Model):
    """One email address and its consent history."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        SUBSCRIBED = "subscribed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    topics = models.JSONField(
        default=list, blank=True, help_text="Topic slugs they want to hear about."
    )
    countries = models.JSONField(
        default=list, blank=True, help_text="Country codes they want to hear about."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    language = models.CharField(
        max_length=10,
        choices=language_choices,
        default=default_language,
        help_text="The language of every email they get, and of their record at the provider.",
    )
    consent_version = models.CharField(max_length=20, blank=True)
    consent_language = models.CharField(
        max_length=10, blank=True, help_text="The language of the consent text they agreed to."
    )
    consent_text = models.TextField(blank=True)
    source_page = models.CharField(max_length=500, blank=True, help_text="Where they signed up.")
    signed_up_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    provider_tags = models.JSONField(
        default=list, blank=True, editable=False, help_text="Tags last sent."
    )

    class Meta:
        ordering = ["-signed_up_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci")
        ]

    def __str__(self):
        return self.email

    @property
    def email_hash(self):
        return email_hash_of(self.email)


class OutboxMessage(models.Model):
    """A change still to deliver: a provider sync or an email. Rows stay as the delivery log."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", "Provider sync"
        EMAIL = "email", "Email"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (not retried)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox"
    )
    email = models.EmailField(
        max_length=254, help_text="Kept when the subscriber record is deleted."
    )
    payload = models.JSONField(default=dict, blank=True)
    key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="One message per recipient and update (alert:7:…, update:3:…): queuing it "
        "again after a crash or a second run adds nothing.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="newsletter_outbox_due")]
        verbose_name = "outbox message"

    def __str__(self):
        return f"{self.get_kind_display()} for {self.email} ({self.state})"


class Suppression(models.Model):
    """An address never to be mailed again: hard bounces, complaints, erasure requests.

    Only its hash is kept (suppression_hash_of), so erasing a reader keeps their refusal and
    nothing else. The outbox checks it before every email, whoever queued it.
    """

    class Reason(models.TextChoices):
        BOUNCED = "bounced", "Hard bounce"
        COMPLAINED = "complained", "Complaint (marked as spam)"
        ERASED = "erased", "Erased on request"
        STAFF = "staff", "Suppressed by staff"

    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.email_hash[:12]}… ({self.reason})"

    @classmethod
    def add(cls, email, reason):
        cls.objects.get_or_create(
            email_hash=suppression_hash_of(email), defaults={"reason": reason}
        )

    @classmethod
    def covers(cls, email):
        return cls.objects.filter(email_hash=suppression_hash_of(email)).exists()


class NewsletterIssue(
    PreviewableMixin, WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model
):
    """An update staff write in the CMS and send to everyone or to a segment.

    It goes through the pages' review workflow ("Moderators approval"): editors write and
    submit it, moderators approve (publish) it, and only they can send it. Sending is
    scheduled; `manage.py newsletter send-due` then queues one email per recipient in the
    outbox (portal/newsletter/updates.py), or one campaign when Mailchimp is the provider.
    """

    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone subscribed"
        SEGMENT = "segment", "A segment: by topics, countries and language"

    class Status(models.TextChoices):
        DRAFT = "draft", "Not scheduled"
        SCHEDULED = "scheduled", "Scheduled"
        QUEUED = "queued", "Sending"  # in the outbox (or with the provider)

    subject = models.CharField(max_length=150)
    intro = models.TextField(blank=True, help_text="A few lines before the blocks.")
    body = StreamField(UpdateBodyBlock(), blank=True, use_json_field=True)
    language = models.CharField(
        max_length=10,
        choices=language_choices,
        default=default_language,
        help_text="The language it is written in.",
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    topics = models.JSONField(default=list, blank=True, help_text="Topic slugs (a segment).")
    countries = models.JSONField(default=list, blank=True, help_text="Country codes (a segment).")
    languages = models.JSONField(
        default=list, blank=True, help_text="Subscribers' languages (a segment)."
    )
    send_status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    send_at = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    recipient_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    campaign_id = models.CharField(max_length=100, blank=True, editable=False)

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="newsletter_issue",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="newsletter_issue",
        for_concrete_model=False,
    )

    preview_modes = [("", "Web page"), ("email", "Email (HTML)"), ("text", "Email (plain text)")]

    class Meta:
        ordering = ["-id"]
        verbose_name = "update"
        permissions = [("send_newsletterissue", "Can schedule and send updates")]

    def __str__(self):
        return self.subject

    def previous_sent_at(self):
        """When the update before this one went out ("what is new since the last update")."""
        earlier = NewsletterIssue.objects.exclude(pk=self.pk).filter(queued_at__isnull=False)
        if self.queued_at:
            earlier = earlier.filter(queued_at__lt=self.queued_at)
        return earlier.order_by("-queued_at").values_list("queued_at", flat=True).first()

    def get_preview_template(self, request, mode_name):
        return "newsletter/newsletter_issue.html"

    def get_preview_context(self, request, mode_name):
        from . import updates

        return {
            **super().get_preview_context(request, mode_name),
            "sections": updates.sections(self),
        }

    def serve_preview(self, request, mode_name):
        """The web page, or the email exactly as a reader would get it (HTML or plain text)."""
        from . import updates  # the email is built there, from this model

        if mode_name in ("email", "text"):
            email = updates.preview_email(self, request.user.email or "you@example.org")
            if mode_name == "text":
                return HttpResponse(email["text"], content_type="text/plain; charset=utf-8")
            return HttpResponse(email["html"])
        return super().serve_preview(request, mode_name)
