"""The search document store and the cluster's retry queue.

`SearchDocument` is the one denormalised record per search result (a page, or
an article of a journal supplement). Its columns are derived from the
document's declaration (search/documents.py FIELDS); tag fields and facets
are rows of `SearchFacetValue`. The database backend searches the store
directly; the cluster backend is (re)built from it and falls back to it when
the cluster is down, so it is kept up to date whichever backend is chosen.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .documents import STORE_COLUMNS


class DocumentMeta:
    ordering = ["-sort_date", "title_sort", "key"]


SearchDocument = type(
    "SearchDocument",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "One search result: the declared fields, stored (see FIELDS).",
        **{field.attname: field.model_field() for field in STORE_COLUMNS},
        "indexed_at": models.DateTimeField(default=timezone.now),
        "Meta": DocumentMeta,
        "__str__": lambda self: f"{self.key} {self.title}",
    },
)


class SearchFacetValue(models.Model):
    """One facet value of a document (country ML, topic costing, type study, year 2014)."""

    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="facet_values"
    )
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=255)
    # Its document's language, so that a search in one language counts from its rows alone.
    language = models.CharField(max_length=10, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "facet", "value"], name="unique_facet_value"
            )
        ]
        indexes = [
            models.Index(fields=["facet", "value", "document"], name="facet_value_document"),
            models.Index(
                fields=["language", "facet", "value", "document"], name="facet_language_value"
            ),
        ]

    def __str__(self):
        return f"{self.facet}={self.value}"


class PendingIndexUpdate(models.Model):
    """A document the cluster has not yet received: retried until it has.

    Rows are written in the same transaction as the document store, so a
    crash or an outage between the two can only leave work queued, never lost.
    """

    key = models.CharField(max_length=40, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(
        default=timezone.now, help_text="When the latest change was queued."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]

    def __str__(self):
        return f"{self.key} (attempts: {self.attempts})"


class IndexRebuild(models.Model):
    """An engine rebuild under way. While it fills a new index, updates still go to the old
    one; each is recorded here and sent again once the new index is in place."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    STALE_AFTER = 6 * 3600  # seconds: a rebuild that never finished (its process died) is over

    def __str__(self):
        return f"rebuild {self.started_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def running(cls):
        since = timezone.now() - datetime.timedelta(seconds=cls.STALE_AFTER)
        return cls.objects.filter(finished_at__isnull=True, started_at__gte=since)


class ChangeDuringRebuild(models.Model):
    """A page re-indexed while a rebuild ran (see IndexRebuild)."""

    rebuild = models.ForeignKey(IndexRebuild, on_delete=models.CASCADE, related_name="changes")
    page_id = models.IntegerField()

    def __str__(self):
        return f"page {self.page_id} during {self.rebuild}"


def synonym_languages():
    return [("", "Every language"), *settings.LANGUAGES]


class Synonym(models.Model):
    """Terms that mean the same to a reader, kept by editors (search/synonyms.py applies them
    to every query, on every backend, from the next search on)."""

    terms = models.CharField(
        max_length=500,
        unique=True,
        help_text='Terms that mean the same, separated by commas: "iCCM, integrated community '
        'case management" or "paludisme, malaria, malária". A search for any one finds all.',
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=synonym_languages,
        help_text="Only when searching pages in this language; blank for every language.",
    )

    class Meta:
        ordering = ["terms"]

    def __str__(self):
        return self.terms

    def clean(self):
        from .synonyms import SynonymError, split_terms

        try:
            self.terms = ", ".join(split_terms(self.terms))
        except SynonymError as error:
            raise ValidationError({"terms": str(error)}) from None


class SearchWord(models.Model):
    """A word the stored documents use, in one language (search/vocabulary.py): what
    suggestions complete and "Did you mean" corrects to."""

    language = models.CharField(max_length=10)
    folded = models.CharField(max_length=40)  # lower case, accents folded: what is matched
    word = models.CharField(max_length=40)  # as documents write it: what is shown
    length = models.PositiveSmallIntegerField()  # of `folded`: corrections read near lengths
    frequency = models.PositiveIntegerField(default=0)  # documents using it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "folded"], name="unique_search_word")
        ]
        indexes = [models.Index(fields=["language", "length", "folded"], name="search_word_near")]

    def __str__(self):
        return f"{self.language}:{self.word}"


class SearchQuery(models.Model):
    """One search a reader submitted, for the staff's report (search/report.py): its words,
    language, week, how many results it found and whether a result was then opened. Nothing
    about who searched: no address, no browser, no time finer than the week."""

    week = models.DateField(db_index=True)  # the Monday of the week it was made in
    language = models.CharField(max_length=10)
    query = models.CharField(max_length=200)  # lower case, spaces collapsed
    results = models.PositiveIntegerField()
    clicked = models.BooleanField(default=False)
    token = models.UUIDField(unique=True)  # what the results page's click beacon names

    class Meta:
        indexes = [models.Index(fields=["week", "language", "query"], name="search_query_week")]
        permissions = [("view_search_report", "Can see what readers search for")]

    def __str__(self):
        return f"{self.week} {self.language} {self.query}"
