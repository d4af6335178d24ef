"""The search document, declared once: its fields, and where each value comes from.

FIELDS is the one list of what a search result holds. The cluster's mapping
and `_source`, the database store's columns and facet rows, the `Document`
written to both and the `StoredHit` read back are all derived from it, so a
new field is one line here plus a `prepare_<name>` method saying where its
value comes from.

Search reads content; content never imports search. A page type is searched
when it declares `search_result_type`; `search_documents()` says what it
contributes (a journal supplement adds its articles). Values are prepared from
the names every page type shares (`title`, `countries`, `topics`, `date`, its
`search_fields`); an item that knows better gives a value itself as
`search_<field>` (an article gives its own key and URL).
"""

import contextlib
import contextvars
import dataclasses
import datetime
import functools
import html

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.html import strip_tags
from modelsearch import index

from portal.attachments import texts as attachment_texts

from . import languages

SUMMARY_FIELDS = ("summary", "aim", "intro", "abstract")
ATTACHMENTS_MAX = 900_000  # characters of linked PDFs' text in one document
HIGHLIGHT_MARKERS = ("\ue000", "\ue001")  # never in stored text; replaced by <mark> after escaping

# Kinds of field, and what each becomes in the cluster and in the store.
KEYWORD, TEXT, INTEGER, DATE, TAGS, PAGE = "keyword", "text", "integer", "date", "tags", "page"
DATETIME = "datetime"


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    kind: str
    facet: str = ""  # the facet counted from its values (stored as facet rows by the database)
    hit: bool = True  # returned with each hit
    boost: float = 1  # text: weight in ranking (title > summary > body > attachments)
    indexed: bool = True  # searchable or filterable in the cluster
    max_length: int = 255
    db_index: bool = False
    unique: bool = False
    null: bool = False  # keyword: may be unknown (stored as NULL, sent as null)
    snippet: bool = False  # text: hits show a snippet of it (the cluster indexes its offsets)

    @property
    def attname(self):
        """Its name on the store's model: `page_id` is the `page` foreign key's column."""
        return self.name.removesuffix("_id") if self.kind == PAGE else self.name

    @property
    def python_type(self):
        types = {
            INTEGER: int | None,
            PAGE: int,
            DATE: datetime.date | None,
            DATETIME: datetime.datetime | None,
            TAGS: list,
        }
        return types.get(self.kind, str)

    def in_language(self, code):
        """A text field's name in the cluster, one per language's analyser: `title_fr`."""
        return f"{self.name}_{code.replace('-', '_')}"

    def mappings(self, analyzers):
        """The cluster's mapping of this field: {name: mapping}; a text field has one per
        language (`analyzers`: language code -> analyser), each filled only by documents in
        that language."""
        if self.kind == TEXT:
            # Offsets in the postings let the highlighter cut a snippet without analysing the
            # text again: a PDF's text is long (the hits request's p95 fell from 33 to 18 ms).
            offsets = {"index_options": "offsets"} if self.snippet else {}
            return {
                self.in_language(code): {"type": "text", "analyzer": analyzer, **offsets}
                for code, analyzer in analyzers.items()
            }
        return {self.name: self.mapping()}

    def mapping(self):
        if self.kind in (INTEGER, PAGE):
            return {"type": "integer"}
        if self.kind == DATE:
            return {"type": "date", "format": "strict_date"}
        if self.kind == DATETIME:
            return {"type": "date", "format": "strict_date_optional_time"}
        return {"type": "keyword"} if self.indexed else {"type": "keyword", "index": False}

    def model_field(self):
        """The store's column (TAGS and facets are rows of SearchFacetValue instead)."""
        options = {"db_index": self.db_index} if self.db_index else {}
        if self.unique:
            options = {"unique": True}
        if self.kind == PAGE:
            return models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
        if self.kind == INTEGER:
            return models.IntegerField(null=True, **options)
        if self.kind == DATE:
            return models.DateField(null=True, **options)
        if self.kind == DATETIME:
            return models.DateTimeField(null=True, **options)
        if self.kind == TEXT:
            return models.TextField(blank=True)
        return models.CharField(max_length=self.max_length, blank=True, null=self.null, **options)

    def to_source(self, value):
        if self.kind in (DATE, DATETIME):
            return value.isoformat() if value else None
        if self.kind == TAGS:
            return list(dict.fromkeys(value))
        return value

    def from_source(self, value):
        if self.kind == DATE:
            return datetime.date.fromisoformat(value) if value else None
        if self.kind == DATETIME:
            return datetime.datetime.fromisoformat(value) if value else None
        if self.kind == TAGS:
            return value or []
        return value


FIELDS = (
    Field("key", KEYWORD, max_length=40, unique=True),
    Field("page_id", PAGE, hit=False),
    Field("parent_id", INTEGER, hit=False, db_index=True),  # the page a listing shows it under
    Field("type", KEYWORD, facet="type", max_length=20, db_index=True),
    Field("type_name", KEYWORD, indexed=False, max_length=60, null=True),  # "Journal supplement"
    # The document's language (its page's locale): its text is analysed in it, on every backend.
    Field("language", KEYWORD, facet="lang", max_length=10, null=True, db_index=True),
    Field("title", TEXT, boost=3),
    Field("title_sort", KEYWORD, hit=False, db_index=True),
    Field("summary", TEXT, boost=2, snippet=True),
    Field("body", TEXT, hit=False, snippet=True),
    # The text of the PDFs it links to (portal/attachments), weighted below its own body, and
    # their ids: which PDF, and which of its pages, a snippet came from.
    Field("attachments", TEXT, boost=0.5, hit=False, snippet=True),
    Field("attachment_ids", KEYWORD, indexed=False),
    Field("url", KEYWORD, indexed=False, max_length=1000),
    Field("date", DATE, db_index=True),  # only a known date: none is ever invented
    Field("year", KEYWORD, facet="year", hit=False, max_length=4, null=True),
    Field("sort_date", DATE, hit=False, db_index=True),  # "newest": the date, else its year's start
    Field("changed", DATE),  # when its page last changed (a feed entry's update), not its date
    # When it first appeared on the site: what alerts count as new (search/alerts).
    Field("published", DATETIME, db_index=True),
    Field("countries", TAGS, facet="country"),
    Field("topics", TAGS, facet="topic"),
    Field("studies", TAGS, facet="study"),
)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
TEXT_FIELDS = [field for field in FIELDS if field.kind == TEXT]
HIT_FIELDS = [field for field in FIELDS if field.hit]
STORE_COLUMNS = [field for field in FIELDS if field.kind != TAGS]
FACET_FIELDS = {field.facet: field for field in FIELDS if field.facet}  # facet name -> field


def _dataclass_fields(fields):
    """(name, type, default) for make_dataclass: tags default to [], the rest to None."""
    return [(f.name, f.python_type, _default(f)) for f in fields]


def _default(field):
    if field.kind == TAGS:
        return dataclasses.field(default_factory=list)
    return dataclasses.field(default=None)


def _make_document_class():
    namespace = {
        "__doc__": "One search result as both backends store it (derived from FIELDS).",
        "facet_values": lambda self: [
            (facet, value)
            for facet, field in FACET_FIELDS.items()
            for value in facet_values(getattr(self, field.name))
        ],
        "as_source": _as_source,
    }
    return dataclasses.make_dataclass("Document", _dataclass_fields(FIELDS), namespace=namespace)


def _as_source(document):
    """The cluster's `_source`: text under its language's field names (`title_fr`)."""
    return {
        field.in_language(document.language) if field.kind == TEXT else field.name: (
            field.to_source(getattr(document, field.name))
        )
        for field in FIELDS
    }


def facet_values(value):
    """A field's values as facet rows: a tag list without repeats, or one value if it has one."""
    if isinstance(value, list):
        return list(dict.fromkeys(value))
    return [value] if value else []


Document = _make_document_class()
#: A hit as a backend returns it: the hit fields plus highlighted fragments (field -> text).
StoredHit = dataclasses.make_dataclass(
    "StoredHit",
    _dataclass_fields(HIT_FIELDS) + [("highlight", dict, dataclasses.field(default_factory=dict))],
)


def hit_from_source(source, highlight=None):
    """A StoredHit from a cluster's `_source` (text under its language's field names)."""
    language = source.get("language") or ""
    values = {
        f.name: f.from_source(source.get(f.in_language(language) if f.kind == TEXT else f.name))
        for f in HIT_FIELDS
    }
    return StoredHit(**values, highlight=highlight or {})


def source_fields(codes):
    """The `_source` fields a hit reads, with the text fields of every language."""
    return [
        name
        for field in HIT_FIELDS
        for name in ([field.in_language(c) for c in codes] if field.kind == TEXT else [field.name])
    ]


# --- Where each value comes from ------------------------------------------------------


class DocumentBuilder:
    """Prepares one item's document: `prepare_<field>` per field, unless the item gives
    `search_<field>` itself. An item is a page, or a part of one (`search_page` names it)."""

    def __init__(self, item):
        self.item = item
        self.page = getattr(item, "search_page", item)
        self.result_type = type(self.page).search_result_type

    def build(self):
        self.values = {}
        for field in FIELDS:
            self.values[field.name] = self.given(field) if field.kind != TAGS else None
        for field in FIELDS:
            if self.values[field.name] is None:
                self.values[field.name] = getattr(self, f"prepare_{field.name}")()
        return Document(**self.values)

    def given(self, field):
        """The item's own value (`search_<field>`, an attribute or a method), or None.

        Not for tags: `search_countries()` and friends give objects, which the
        builder stores as codes and slugs and names in the text."""
        given = getattr(self.item, f"search_{field.name}", None)
        value = given() if callable(given) else given
        if field.name == "type_name" and value is not None:
            return source_text(value)
        return clean_text(value) if field.kind == TEXT and value is not None else value

    def prepare_key(self):
        return f"page:{self.item.pk}"

    def prepare_page_id(self):
        return self.page.pk

    def prepare_parent_id(self):
        parent = self.item.get_parent()
        return parent.pk if parent else None

    def prepare_type(self):
        return self.result_type.value

    def prepare_type_name(self):
        """The name as declared (its msgid): results translate it into the reader's language."""
        return source_text(self.result_type.name)

    def prepare_language(self):
        """The language of its page's locale (an article's is its supplement's)."""
        return languages.get(self.page.locale.language_code).code

    def prepare_title(self):
        return self.item.title

    def prepare_title_sort(self):
        return sort_title(self.values["title"])

    def _summary_field(self):
        return next((name for name in SUMMARY_FIELDS if hasattr(self.item, name)), None)

    def prepare_summary(self):
        name = self._summary_field()
        return clean_text(getattr(self.item, name, "")) if name else ""

    def prepare_body(self):
        """The item's own search_fields (minus title and summary), then the names of what it
        is about, so "Mali" typed in the box finds what is tagged Mali."""
        text = search_field_text(self.item, exclude={"title", self._summary_field()})
        with translation.override(self.values["language"]):  # names in the document's language
            names = [*labels(self.countries), *labels(self.topics)]
        return " ".join(filter(None, [*text, *names]))

    def prepare_attachments(self):
        """Cut below the engines' limit on text they highlight (1,000,000 characters)."""
        text = " ".join(page for _, pages in self.attachments for page in pages if page)
        return text[:ATTACHMENTS_MAX]

    def prepare_attachment_ids(self):
        return ",".join(str(pk) for pk, _ in self.attachments)[:255]

    @functools.cached_property
    def attachments(self):
        """[(document id, its pages' text)]: the PDFs this item links to whose text was read."""
        page = self.page.pk
        links = _batch_lookup(
            ("attachment_links",),
            lambda: attachment_texts.references([page]),
            attachment_texts.references,
        ).get(page, [])
        found = {}
        for pk in attachment_texts.own_documents(self.item, self.page, links):
            some = functools.partial(attachment_texts.texts, [pk])
            found.update(_batch_lookup(("attachment_text", pk), some, some))
        return list(found.items())

    def prepare_url(self):
        return self.item.get_url() or self.item.url_path

    def prepare_date(self):
        return getattr(self.item, "date", None)

    def prepare_year(self):
        date = self.values["date"]
        return str(date.year) if date else None

    def prepare_sort_date(self):
        """Known only by its year, an item sorts with that year (at its start); undated, last."""
        year = self.values["year"]
        return self.values["date"] or (datetime.date(int(year), 1, 1) if year else None)

    def prepare_changed(self):
        changed = self.page.last_published_at or self.page.first_published_at
        return changed.date() if changed else None

    def prepare_published(self):
        """A page's first publication; a part of one (an article) appeared when its page was
        last published, and alerts remember what they sent, so a republish sends nothing twice."""
        if self.item is self.page:
            return self.page.first_published_at or self.page.last_published_at
        return self.page.last_published_at or self.page.first_published_at

    @functools.cached_property
    def countries(self):
        return self.item.search_countries()

    @functools.cached_property
    def topics(self):
        return self.item.search_topics()

    def prepare_countries(self):
        return [country.code for country in self.countries]

    def prepare_topics(self):
        return [topic.slug for topic in self.topics]

    def prepare_studies(self):
        return study_keys(self.item.search_studies())


def source_text(value):
    """A declared name (gettext_lazy) as written in the code, whatever language is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(value)


def labels(items):
    """Names of taxonomy items in the active language: their `label` (a translatable model's
    `labels()` reads many in two queries); the default language's names are their own."""
    items = list(items)
    if not items:
        return []
    if languages.active() == languages.get(settings.LANGUAGE_CODE).code:
        return [item.name for item in items]
    many = getattr(type(items[0]), "labels", None)
    if callable(many):
        model, key = type(items[0]), ("labels", type(items[0]), languages.active())
        found = _batch_lookup(key, lambda: many(items, key="pk"),
                              lambda: many(model._default_manager.all(), key="pk"))  # fmt: skip
        return [found[item.pk] for item in items]
    return [str(getattr(item, "label", item.name)) for item in items]


def study_keys(studies):
    """A study's facet value: the slug of its default-locale page, the same for every
    translation (a study with no default-locale page keeps its own)."""
    studies = list(studies)
    if not studies:
        return []
    model, keys = type(studies[0]), [study.translation_key for study in studies]
    sources = _batch_lookup(("study_keys", model), lambda: _default_slugs(model, keys),
                            lambda: _default_slugs(model))  # fmt: skip
    return [sources.get(study.translation_key, study.slug) for study in studies]


def _default_slugs(model, keys=None):
    """{translation_key: slug} of the default-locale pages (with these translation keys)."""
    pages = model.objects.filter(locale__language_code=settings.LANGUAGE_CODE)
    if keys is not None:
        pages = pages.filter(translation_key__in=keys)
    return dict(pages.values_list("translation_key", "slug"))


def sort_title(title):
    return title.casefold()[:255]


def clean_text(value):
    """Plain text for indexing: tags stripped, whitespace collapsed, markers removed."""
    text = html.unescape(strip_tags(str(value or "")))
    for marker in HIGHLIGHT_MARKERS:
        text = text.replace(marker, "")
    return " ".join(text.split())


def search_field_text(obj, exclude=()):
    """Text of an object's `search_fields` (rich text stripped), minus the excluded names."""
    for search_field in getattr(type(obj), "search_fields", ()):
        yield from _field_text(obj, search_field, set(exclude))


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


# --- Many pages at once (rebuilds) ------------------------------------------------------

#: Within `documents_for_pages`: lookups made once for the whole batch, by key.
_batch = contextvars.ContextVar("search_document_batch", default=None)


def _batch_lookup(key, some, every):
    """`some()`, a dict of what one document needs; in a batch, `every()` once, the same dict
    for every row (an entry does not depend on which others are looked up with it)."""
    cache = _batch.get()
    if cache is None:
        return some()
    if key not in cache:
        cache[key] = every()
    return cache[key]


@contextlib.contextmanager
def batched():
    """Within the block, `_batch_lookup` answers each lookup once for every document built
    (search.collect.documents_for_pages)."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)
