"""What one search result holds, built from the content apps' pages.

Search reads content; content never imports search. Everything here relies on
the field names every page type shares (`countries`, `topics`, `studies`,
`date`) and on each model's own `search_fields`, so a new output type needs
one line in PAGE_TYPES.
"""

import datetime
import html
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.html import strip_tags
from modelsearch import index
from wagtail.models import Page

# Page model label -> result type. The supplement stands for its articles as a whole.
PAGE_TYPES = {
    "research.StudyPage": "study",
    "research.FindingsPage": "findings",
    "research.ResearchAreaPage": "research-area",
    "briefs.PolicyBriefPage": "brief",
    "briefs.JournalSupplementPage": "article",
    "briefs.NewsPage": "news",
}
SUMMARY_FIELDS = ("summary", "aim", "intro")
HIGHLIGHT_MARKERS = ("\ue000", "\ue001")  # never in stored text; replaced by <mark> after escaping


@dataclass
class Document:
    key: str
    page_id: int
    parent_id: int | None
    type: str
    title: str
    summary: str
    body: str
    url: str
    date: datetime.date | None
    countries: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    studies: list = field(default_factory=list)

    @property
    def year(self):
        return str(self.date.year) if self.date else None

    def facet_values(self):
        """(facet, value) pairs, as both backends store and count them."""
        pairs = [("type", self.type)] + ([("year", self.year)] if self.year else [])
        for facet, values in (
            ("country", self.countries),
            ("topic", self.topics),
            ("study", self.studies),
        ):
            pairs.extend((facet, value) for value in dict.fromkeys(values))
        return pairs

    def as_source(self):
        """The cluster's JSON document."""
        return {
            "key": self.key,
            "page_id": self.page_id,
            "parent_id": self.parent_id,
            "type": self.type,
            "title": self.title,
            "title_sort": sort_title(self.title),
            "summary": self.summary,
            "body": self.body,
            "url": self.url,
            "date": self.date.isoformat() if self.date else None,
            "year": self.year,
            "countries": list(dict.fromkeys(self.countries)),
            "topics": list(dict.fromkeys(self.topics)),
            "studies": list(dict.fromkeys(self.studies)),
        }


def sort_title(title):
    return title.casefold()[:255]


def clean_text(value):
    """Plain text for indexing: tags stripped, whitespace collapsed, markers removed."""
    text = html.unescape(strip_tags(str(value or "")))
    for marker in HIGHLIGHT_MARKERS:
        text = text.replace(marker, "")
    return " ".join(text.split())


def is_indexed(page):
    """Whether pages of this one's type are search results."""
    return (page.specific_class or type(page))._meta.label in PAGE_TYPES


def documents_for(page, known_public=False):
    """The documents a live, public page contributes (none if it is not searchable)."""
    page = page.specific
    doc_type = PAGE_TYPES.get(page._meta.label)
    if doc_type is None or not page.live:
        return []
    if not known_public and page.get_view_restrictions().exists():
        return []
    base = _page_document(page, doc_type)
    if page._meta.label == "briefs.JournalSupplementPage":
        return [base, *(_article_document(page, base, article) for article in page.articles.all())]
    return [base]


def _page_document(page, doc_type):
    summary_field = next((name for name in SUMMARY_FIELDS if hasattr(page, name)), None)
    summary = clean_text(getattr(page, summary_field, "")) if summary_field else ""
    body = " ".join(_search_field_text(page, exclude={"title", summary_field}))
    parent = page.get_parent()
    doc = Document(
        key=f"page:{page.pk}",
        page_id=page.pk,
        parent_id=parent.pk if parent else None,
        type=doc_type,
        title=page.title,
        summary=summary,
        body=body,
        url=page.get_url() or page.url_path,
        date=_page_date(page),
    )
    countries = page.country_list() if doc_type == "study" else list(page.countries.all())
    topics = list(page.topics.all())
    doc.countries = [country.code for country in countries]
    doc.topics = [topic.slug for topic in topics]
    if doc_type == "study":
        doc.studies = [page.slug]
    elif hasattr(page, "studies") and doc_type != "research-area":
        studies = [study for study in page.studies.all() if study.live]
        doc.studies = [study.slug for study in studies]
        countries, topics = _inherit_from_studies(doc, studies, countries, topics)
    # Names as text too, so "Mali" typed in the box finds what is tagged Mali.
    doc.body = " ".join(
        filter(None, [doc.body, *(c.name for c in countries), *(t.name for t in topics)])
    )
    return doc


def _article_document(supplement, base, article):
    studies = [study for study in article.studies.all() if study.live]
    date = (
        supplement.date
        if supplement.date and (not article.year or supplement.date.year == article.year)
        else None
    )
    if date is None and article.year:
        date = datetime.date(article.year, 1, 1)
    doc = Document(
        key=f"article:{article.pk}",
        page_id=supplement.pk,
        parent_id=supplement.pk,
        type="article",
        title=article.title,
        summary=clean_text(article.abstract),
        body=clean_text(f"{article.authors} {article.journal or supplement.journal}"),
        url=f"{base.url}#{article.anchor}",
        date=date or base.date,
        studies=[study.slug for study in studies] or list(base.studies),
    )
    if studies:
        _inherit_from_studies(doc, studies)
    else:
        doc.countries, doc.topics = list(base.countries), list(base.topics)
    return doc


def _inherit_from_studies(doc, studies, countries=(), topics=()):
    """Explicit tagging wins; an output left untagged is about what its studies are about."""
    if not countries:
        countries = list({c.pk: c for study in studies for c in study.country_list()}.values())
        doc.countries = [country.code for country in countries]
    if not topics:
        topics = list({t.pk: t for study in studies for t in study.topics.all()}.values())
        doc.topics = [topic.slug for topic in topics]
    return countries, topics


def _page_date(page):
    for name in ("date", "start_month"):
        value = getattr(page, name, None)
        if value:
            return value
    published = page.first_published_at or page.last_published_at
    return published.date() if published else None


def _search_field_text(page, exclude):
    """Text of the model's own search_fields (rich text stripped), minus the title and summary."""
    for search_field in page.get_search_fields():
        yield from _field_text(page, search_field, exclude)


def _field_text(obj, search_field, exclude):
    if isinstance(search_field, index.SearchField) and search_field.field_name not in exclude:
        value = search_field.get_value(obj)
        values = value if isinstance(value, list | tuple) else [value]
        yield from (clean_text(item) for item in values if item)
    elif isinstance(search_field, index.RelatedFields):
        related = search_field.get_value(obj)
        if related is None:
            return
        items = related.all() if hasattr(related, "all") else [related]
        for item in items:
            for sub_field in search_field.fields:
                yield from _field_text(item, sub_field, exclude=set())


def live_indexed_pages():
    """Every page that may contribute documents, for rebuilds."""
    return Page.objects.live().public().type(*_indexed_models()).specific()


def _indexed_models():
    return [apps.get_model(label) for label in PAGE_TYPES]
