"""What became of each uploaded document's text: one row per document."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string


class DocumentText(models.Model):
    """The text of one document, page by page, and whether it could be read.

    `source` names the file that was read (its name and hash): a new file queues the
    document again, an edit of its title does not. A row is claimed by one worker at a time
    (portal.retry), and a failure to reach the file is retried; a PDF that cannot be read is
    recorded, never retried, so a hostile file costs one attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be read")
        TEXT = "text", _("Text indexed")
        NO_TEXT = "no_text", _("No text layer")
        SKIPPED = "skipped", _("Skipped")

    document = models.OneToOneField(
        get_document_model_string(), on_delete=models.CASCADE, related_name="text"
    )
    source = models.CharField(max_length=400, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(max_length=500, blank=True, help_text="Why it has no text.")
    pages = models.JSONField(default=list, blank=True)  # each page's text, whitespace collapsed
    page_count = models.PositiveIntegerField(default=0)
    characters = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)  # how long reading it took
    extracted_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    # Retries when the file cannot be reached (portal.retry.RetryPolicy).
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("document text")
        verbose_name_plural = _("document text")
        ordering = ["-queued_at"]

    def __str__(self):
        return f"{self.document} ({self.get_status_display()})"
