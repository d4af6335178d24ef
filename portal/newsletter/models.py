"""The subscriber list (the source of truth) and the outbox of changes still to deliver.

The provider (Mailchimp, a webhook) is a copy: every change is written here
first, inside the request's transaction, and delivered afterwards, so a
provider outage or a crashed worker loses nothing.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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
