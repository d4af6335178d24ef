"""Policy briefs, the journal supplement with its articles, and news."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from rest_framework.fields import ReadOnlyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, route
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from portal.blocks import RICH_TEXT_FEATURES, BaseStreamBlock
from portal.models import ListingPage, OrderedTextItem
from research.models import OutputMixin, ResultType
from research.models.mixins import union

from .citations import bibtex, for_article, for_brief, formatted, meta_tags, ris


# A DOI is "10.<registrant>/<suffix>" (DOI Handbook 2.2); links and "doi:" are accepted and
# stripped.
def citation_download(citation, fmt, name):
    """A BibTeX or RIS file of a citation, as a download."""
    if fmt == "bibtex":
        response = HttpResponse(
            bibtex(citation), content_type="application/x-bibtex; charset=utf-8"
        )
    else:
        response = HttpResponse(
            ris(citation), content_type="application/x-research-info-systems; charset=utf-8"
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{name}.{"bib" if fmt == "bibtex" else "ris"}"'
    )
    return response


DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi:",
)


def normalise_doi(value):
    """Return the bare DOI, or raise ValidationError naming the expected form."""
    doi = (value or "").strip()
    for prefix in DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
            break
    if (value or "").strip() and not DOI_RE.match(doi):
        raise ValidationError(
            _("Enter a DOI like 10.1093/heapol/czu001 (or its https://doi.org/ link).")
        )
    return doi


def clean_doi_field(value):
    """normalise_doi for a model's clean(): the error is attached to the `doi` field."""
    try:
        return normalise_doi(value)
    except ValidationError as error:
        raise ValidationError({"doi": error.messages}) from None


# --- Policy briefs -----------------------------------------------------------


def pdf_field(help_text=""):
    """An optional PDF; its text is searched with the page (portal/attachments)."""
    return models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="PDF",
        help_text=help_text,
    )


class PolicyBriefIndexPage(ListingPage):
    """The "Briefs for Policymakers" index: every brief, newest first."""

    type_name = gettext_noop("Policy briefs")
    subpage_types = ["briefs.PolicyBriefPage"]
    empty_text = _("No briefs have been published yet.")

    class Meta:
        verbose_name = _("policy brief index page")


class PolicyBriefPage(RoutablePageMixin, OutputMixin, Page):
    """A brief for policymakers: key messages, recommendations and the PDF."""

    search_result_type = ResultType(
        "brief", gettext_noop("Policy brief"), gettext_noop("Policy briefs")
    )

    audience = models.CharField(
        max_length=255, default="Policymakers", help_text="Who the brief is written for."
    )
    authors = models.TextField(
        blank=True, help_text="As printed, e.g. “Smith J; Banda A”. Empty: the programme."
    )
    doi = models.CharField(
        "DOI", max_length=255, blank=True, help_text="If the brief has one, e.g. 10.1234/abc"
    )
    summary = RichTextField(
        features=["bold", "italic", "link"], help_text="Shown at the top and in listings."
    )
    document = pdf_field()
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("audience"), FieldPanel("date")]),
        FieldRowPanel([FieldPanel("authors"), FieldPanel("doi")]),
        FieldPanel("summary"),
        InlinePanel("key_messages", label="Key message", heading="Key messages"),
        InlinePanel("recommendations", label="Recommendation", heading="Recommendations"),
        FieldPanel("document"),
        FieldPanel("body"),
        *OutputMixin.taxonomy_panels(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.RelatedFields("key_messages", [index.SearchField("text")]),
        index.RelatedFields("recommendations", [index.SearchField("text")]),
    ]
    parent_page_types = ["briefs.PolicyBriefIndexPage"]
    subpage_types = []

    api_fields = [
        *OutputMixin.api_fields,
        APIField("audience"),
        APIField("summary"),
        APIField("pdf", serializer=ReadOnlyField(source="api_pdf")),
    ]

    def clean(self):
        super().clean()
        self.doi = clean_doi_field(self.doi)

    def citation(self, request):
        return for_brief(self, request)

    def structured_data(self, request):
        """schema.org Report, with its PDF, DOI, topics and countries."""
        citation = self.citation(request)
        organization = {"@type": "Organization", "name": citation.publisher}
        data = {
            "@type": "Report",
            "name": self.title,
            "url": citation.url,
            "audience": {"@type": "Audience", "audienceType": self.audience},
            "author": [{"@type": "Person", "name": n} for n in citation.authors] or organization,
            "publisher": organization,
            "about": [topic.label for topic in self.topic_list()],
            "spatialCoverage": [{"@type": "Country", "name": c.label} for c in self.country_list()],
        }
        if self.date:
            data["datePublished"] = self.date.isoformat()
        if citation.doi:
            data["identifier"] = f"https://doi.org/{citation.doi}"
        if citation.pdf_url:
            data["encoding"] = {
                "@type": "MediaObject",
                "contentUrl": citation.pdf_url,
                "encodingFormat": "application/pdf",
            }
        return data

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        citation = self.citation(request)
        context.update(
            citation=citation, citation_text=formatted(citation), citation_tags=meta_tags(citation)
        )
        return context

    @route(r"^cite/(?P<fmt>bibtex|ris)/$")
    def cite(self, request, fmt):
        """BibTeX or RIS of this brief, for reference managers."""
        return citation_download(self.citation(request), fmt, self.slug)

    def api_pdf(self):
        """The brief's PDF as an absolute-path URL (and its size), or None."""
        if not self.document:
            return None
        return {
            "url": self.document.url,
            "title": self.document.title,
            "file_size": self.document.get_file_size(),
        }

    class Meta:
        verbose_name = _("policy brief page")


class BriefKeyMessage(OrderedTextItem):
    page = ParentalKey(PolicyBriefPage, on_delete=models.CASCADE, related_name="key_messages")


class BriefRecommendation(OrderedTextItem):
    page = ParentalKey(PolicyBriefPage, on_delete=models.CASCADE, related_name="recommendations")


# --- Journal supplement --------------------------------------------------------


class JournalSupplementPage(RoutablePageMixin, OutputMixin, Page):
    """A journal supplement ("Health Policy and Planning Supplement") and its articles."""

    # The supplement's result stands for its articles as a whole, under their type.
    search_result_type = ResultType(
        "article", gettext_noop("Journal supplement"), gettext_noop("Journal articles")
    )

    journal = models.CharField(max_length=255)
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    # Not `url`: that would hide Page.url.
    journal_url = models.URLField(
        "supplement URL", blank=True, help_text="The supplement on the journal's site."
    )
    intro = RichTextField(features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("journal"),
                FieldRowPanel([FieldPanel("volume"), FieldPanel("issue")]),
                FieldPanel("journal_url"),
            ],
            heading="Journal",
        ),
        FieldPanel("date"),
        FieldPanel("intro"),
        InlinePanel("articles", label="Article", heading="Articles"),
        *OutputMixin.taxonomy_panels(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro", boost=2),
        index.SearchField("journal"),
        index.RelatedFields(
            "articles", [index.SearchField("title"), index.SearchField("abstract")]
        ),
    ]
    parent_page_types = ["research.PublicationIndexPage"]
    subpage_types = []

    api_fields = [
        *OutputMixin.api_fields,
        APIField("journal"),
        APIField("volume"),
        APIField("issue"),
        APIField("journal_url"),
        APIField("intro"),
        APIField("articles", serializer=ReadOnlyField(source="api_articles")),
    ]

    def search_documents(self):
        """The supplement, and each article as a result of its own."""
        return [self, *self.articles.all()]

    def listed_articles(self):
        """The articles with their PDFs, read in one query: the page links each PDF and
        gives its size, which was a query per article."""
        return self.articles.select_related("document")

    def api_articles(self):
        return [
            {
                "id": article.pk,
                "title": article.title,
                "authors": article.authors,
                "year": article.year,
                "doi": article.doi,
                "url": article.url,
                "open_access": article.open_access,
                "pdf": article.document.url if article.document else None,
                "studies": [study.slug for study in article.studies.all()],
            }
            for article in self.articles.all()
        ]

    def article_or_404(self, pk):
        article = self.articles.filter(pk=pk).first()
        if article is None:
            raise Http404("No such article in this supplement")
        return article

    @route(r"^articles/(?P<pk>\d+)/$")
    def article_view(self, request, pk):
        """One article on a page of its own, so Google Scholar finds its citation tags."""
        article = self.article_or_404(int(pk))
        citation = for_article(article, request)
        context = {**self.get_context(request), "article": article, "citation": citation}
        context.update(citation_text=formatted(citation), citation_tags=meta_tags(citation))
        context["article_data"] = {
            "@type": "ScholarlyArticle",
            "headline": article.title[:110],
            "name": article.title,
            "url": citation.url,
            "author": [{"@type": "Person", "name": name} for name in citation.authors],
            "isPartOf": {"@type": "PublicationIssue", "issueNumber": citation.issue,
                         "isPartOf": {"@type": "Periodical", "name": citation.journal}},
        }  # fmt: skip
        if article.year:
            context["article_data"]["datePublished"] = str(article.year)
        if article.doi:
            context["article_data"]["identifier"] = article.doi_url
        return render(request, "briefs/supplement_article.html", context)

    @route(r"^articles/(?P<pk>\d+)/cite/(?P<fmt>bibtex|ris)/$")
    def article_cite(self, request, pk, fmt):
        article = self.article_or_404(int(pk))
        return citation_download(for_article(article, request), fmt, f"{self.slug}-{article.pk}")

    class Meta:
        verbose_name = _("journal supplement page")


class SupplementArticle(TranslatableMixin, ClusterableModel, Orderable):
    """One article of a supplement; its anchor on the page is #article-<id>."""

    page = ParentalKey(JournalSupplementPage, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=500)
    authors = models.TextField(help_text="As printed, e.g. “Smith J, Banda A, Diallo M”.")
    journal = models.CharField(
        max_length=255, blank=True, help_text="Defaults to the supplement's journal."
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    doi = models.CharField(
        "DOI", max_length=255, blank=True, help_text="E.g. 10.1093/heapol/czu001"
    )
    url = models.URLField("URL", blank=True)
    abstract = models.TextField(blank=True)
    document = pdf_field("The article's PDF, if the programme may share it: its text is searched.")
    open_access = models.BooleanField(default=False)
    studies = ParentalManyToManyField(
        "research.StudyPage", blank=True, related_name="supplement_articles"
    )
    synchronized_relations = ("studies",)  # kept in step by translation sync (research.apps)

    panels = [
        FieldPanel("title"),
        FieldPanel("authors"),
        FieldRowPanel(
            [FieldPanel("journal"), FieldPanel("year"), FieldPanel("volume"), FieldPanel("issue")]
        ),
        FieldRowPanel([FieldPanel("doi"), FieldPanel("url")]),
        FieldPanel("abstract"),
        FieldPanel("document"),
        FieldPanel("open_access"),
        FieldPanel("studies"),
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("supplement article")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        self.doi = clean_doi_field(self.doi)
        if self.year is not None and not 1900 <= self.year <= timezone.now().year + 1:
            raise ValidationError({"year": _("Enter the year of publication, e.g. 2014.")})

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def anchor(self):
        return f"article-{self.pk}"

    @property
    def citation_path(self):
        """Its own page below the supplement's URL (for citations and Google Scholar)."""
        return f"articles/{self.pk}/"

    # --- What it contributes to search, as a part of its supplement (search_documents()).
    search_type_name = gettext_noop("Journal article")  # translated where shown

    @property
    def search_page(self):
        return self.page

    @property
    def search_key(self):
        return f"article:{self.pk}"

    @property
    def search_parent_id(self):
        return self.page_id

    @property
    def search_body(self):
        return f"{self.authors} {self.journal or self.page.journal}"

    @property
    def search_url(self):
        return f"{self.page.get_url() or self.page.url_path}#{self.anchor}"

    @property
    def search_date(self):
        """The supplement's date, when the article appeared that year (no day is invented)."""
        date = self.page.date
        return date if date and (not self.year or date.year == self.year) else None

    @property
    def search_year(self):
        year = self.year or (self.page.date.year if self.page.date else None)
        return str(year) if year else None

    def study_list(self):
        return [study for study in self.studies.all() if study.live]

    def search_studies(self):
        return self.study_list() or self.page.study_list()

    def search_countries(self):
        """An article is about what its studies are about, else what the supplement is."""
        studies = self.study_list()
        if not studies:
            return self.page.search_countries()
        return union(study.country_list() for study in studies)

    def search_topics(self):
        studies = self.study_list()
        if not studies:
            return self.page.search_topics()
        return union(study.topic_list() for study in studies)


# News and the legacy import's record live in briefs/news.py (this file stays under 500
# lines); imported here so Django finds them as the app's models.
from .news import LegacyImport, NewsIndexPage, NewsPage  # noqa: E402, F401
