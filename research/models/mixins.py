"""The taxonomy fields every content page shares, under the same names.

Generic code (listings, search, feeds) relies on `countries`, `topics`,
`studies` and `date` meaning the same thing on every page type.
"""

from dataclasses import dataclass

from django import forms
from django.db import models
from django.utils import translation
from modelcluster.fields import ParentalManyToManyField
from rest_framework.fields import ReadOnlyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField

from portal.models import KeptViewRestrictions

from .taxonomy import in_default_locale


@dataclass(frozen=True)
class ResultType:
    """How a page type appears in search: its type facet's value, and its names.

    The names are English msgids marked with gettext_noop: stored as they are (in search
    documents, whoever's language was active when indexing), translated where they are shown.
    """

    value: str  # "brief"
    name: str  # "Policy brief": one result
    plural: str  # "Policy briefs": the facet's label


class TaxonomyMixin(KeptViewRestrictions, models.Model):
    """Countries and topics a page is about, and what it contributes to search (and, as every
    content page, its view restrictions kept between requests).

    Search reads these hooks (and the page's `search_fields`); the page never
    imports search. A type without `search_result_type` is not searched.
    """

    search_result_type = None

    # Relations a translation keeps in step with its source when translators sync it
    # (wagtail-localize skips many-to-many fields unless told; research.apps reads this).
    synchronized_relations = ("countries", "topics")

    countries = ParentalManyToManyField(
        "research.Country", blank=True, related_name="%(app_label)s_%(class)s_pages"
    )
    topics = ParentalManyToManyField(
        "research.Topic",
        blank=True,
        related_name="%(app_label)s_%(class)s_pages",
        limit_choices_to=in_default_locale,
    )

    class Meta:
        abstract = True

    @classmethod
    def taxonomy_panels(cls, *extra, countries=True):
        """The "Tagging" panel; studies set countries from their Location list instead."""
        fields = [*extra]
        if countries:
            fields.append(FieldPanel("countries", widget=forms.CheckboxSelectMultiple))
        fields.append(FieldPanel("topics", widget=forms.CheckboxSelectMultiple))
        return [MultiFieldPanel(fields, heading="Tagging")]

    def country_list(self):
        """Countries in display order (cluster-aware, so previews are right)."""
        return list(self.countries.all())

    def topic_list(self):
        return list(self.topics.all())

    def search_documents(self):
        """What this page contributes to search: itself (a supplement adds its articles)."""
        return [self]

    def search_countries(self):
        return self.country_list()

    def search_topics(self):
        return self.topic_list()

    def search_studies(self):
        return []

    # The public API (/api/v2/): the same names on every page type, as plain data, named in
    # the page's own language (the API has no language prefix).
    def api_countries(self):
        with translation.override(self.locale.language_code):
            return [{"code": c.code, "name": c.label} for c in self.country_list()]

    def api_topics(self):
        with translation.override(self.locale.language_code):
            return [{"slug": t.slug, "name": t.label} for t in self.topic_list()]

    api_fields = [
        APIField("countries", serializer=ReadOnlyField(source="api_countries")),
        APIField("topics", serializer=ReadOnlyField(source="api_topics")),
    ]
    api_listing_fields = [
        "countries",
        "topics",
    ]  # shown in listings of one page type without ?fields=
    api_prefetch = ["countries", "topics"]  # what those fields read, fetched once per listing


class OutputMixin(TaxonomyMixin):
    """What every research output carries: taxonomy, related studies, a date."""

    synchronized_relations = (*TaxonomyMixin.synchronized_relations, "studies")

    studies = ParentalManyToManyField(
        "research.StudyPage",
        blank=True,
        related_name="%(app_label)s_%(class)s_outputs",
        verbose_name="related studies",
    )
    date = models.DateField(
        "publication date", null=True, blank=True, help_text="Leave empty if the date is not known."
    )

    class Meta:
        abstract = True

    @classmethod
    def taxonomy_panels(cls, *extra, countries=True):
        studies = FieldPanel("studies", widget=forms.CheckboxSelectMultiple)
        return super().taxonomy_panels(studies, *extra, countries=countries)

    def study_list(self):
        return [study for study in self.studies.all() if study.live]

    def search_studies(self):
        return self.study_list()

    def search_countries(self):
        """Explicit tagging wins; an output left untagged is about what its studies are about."""
        return self.country_list() or union(s.country_list() for s in self.study_list())

    def search_topics(self):
        return self.topic_list() or union(s.topic_list() for s in self.study_list())

    def cache_dependents(self):
        """Study pages list their outputs: a change here purges them (portal.cache_purge)."""
        return self.studies.all()

    def api_studies(self):
        return [
            {"id": study.pk, "slug": study.slug, "title": study.title}
            for study in self.study_list()
        ]

    api_fields = [
        *TaxonomyMixin.api_fields,
        APIField("studies", serializer=ReadOnlyField(source="api_studies")),
        APIField("date"),
    ]
    api_listing_fields = ["countries", "topics", "studies", "date"]
    api_prefetch = ["countries", "topics", "studies"]


def union(lists):
    """Items of several lists, each once, in first-seen order."""
    return list({item.pk: item for items in lists for item in items}.values())
