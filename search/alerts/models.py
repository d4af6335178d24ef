"""A followed search, and what it has sent.

An alert keeps the canonical query the search feed uses (SearchParams.canonical_query), the
reader's language and a high-water mark: everything published up to `mark` has been
considered. It is created only when its owner follows the confirmation link (double
opt-in), with the consent text they agreed to, as a newsletter subscriber's is.
"""

import calendar
import datetime

from django.db import models
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.newsletter.models import language_choices

from ..query import SearchParams


class SearchAlert(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    email = models.EmailField(max_length=254)
    query = models.CharField(
        max_length=2000, blank=True, help_text="The search, as its feed's query string."
    )
    language = models.CharField(max_length=10, choices=language_choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    consent_version = models.CharField(max_length=20)
    consent_language = models.CharField(max_length=10)
    consent_text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    mark = models.DateTimeField(
        default=timezone.now, help_text="Everything published before this has been considered."
    )
    next_due_at = models.DateTimeField(db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "query",
                "language",
                condition=models.Q(stopped_at__isnull=True),
                name="search_alert_one_active_per_search",
            )
        ]

    def __str__(self):
        return f"{self.email}: {self.query or 'everything'} ({self.frequency})"

    @property
    def active(self):
        return self.stopped_at is None

    def params(self):
        """The search it follows, read in its language (the page language of the search)."""
        with translation.override(self.language):
            return SearchParams.for_request(QueryDict(self.query))

    def next_due(self, after):
        return next_due(self.frequency, after)


def next_due(frequency, after):
    """When an alert sent at `after` is due again: a day, a week or a calendar month later."""
    if frequency == SearchAlert.Frequency.DAILY:
        return after + datetime.timedelta(days=1)
    if frequency == SearchAlert.Frequency.WEEKLY:
        return after + datetime.timedelta(days=7)
    year, month = (after.year + 1, 1) if after.month == 12 else (after.year, after.month + 1)
    day = min(after.day, calendar.monthrange(year, month)[1])
    return after.replace(year=year, month=month, day=day)


class AlertItem(models.Model):
    """A result an alert has sent: never sent by it again, whatever reruns or republishes."""

    alert = models.ForeignKey(SearchAlert, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=40)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "key"], name="search_alert_item_once")
        ]

    def __str__(self):
        return f"{self.key} for alert {self.alert_id}"
