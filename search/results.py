"""What every backend answers with: hits, facet counts and where they came from.

Backends return raw values (codes, slugs, text with highlight markers);
`present` labels them and escapes snippets the same way for all of them.
"""

import datetime
import functools
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from portal.attachments import texts as attachment_texts

from . import languages, promotions, vocabulary
from .documents import FACET_FIELDS, HIGHLIGHT_MARKERS, facet_values
from .facets import FACETS, FACETS_BY_NAME, LANGUAGE
from .facets import labels as facet_labels


@dataclass
class RawResults:
    """A backend's answer before labelling: StoredHits (search/documents.py) and raw counts."""

    total: int
    hits: list = field(default_factory=list)
    facet_counts: dict = field(default_factory=dict)  # facet name -> {value: count}


@functools.lru_cache(maxsize=2048)
def _country_url(urlconf, prefix, language, code):
    """A country page's URL, reversed once per language (a 100-result page links hundreds)."""
    return reverse("country", args=[code.lower()], urlconf=urlconf)


def country_urls():
    """code -> its country page's URL in the active language, looked up once for a page of
    hits rather than once per hit."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return functools.partial(_country_url, urlconf, get_script_prefix(), translation.get_language())


@dataclass
class Hit:
    key: str
    type: str
    type_label: str
    title: str
    url: str
    date: datetime.date | None
    snippet: str  # safe HTML: escaped text, only <mark> added
    countries: list  # [(code, name)]
    topics: list  # [(slug, name)]
    studies: list  # [(slug, title)]
    changed: datetime.date | None = None  # when its page last changed (feeds' updated)
    language: str = ""  # its text's language code ("fr")
    language_label: str = ""  # and that language's own name ("Français")
    published: datetime.datetime | None = None  # when it first appeared (alerts' mark)
    snippet_source: "SnippetSource | None" = None  # set when the snippet is from a PDF

    @property
    def snippet_from_pdf(self):
        return self.snippet_source is not None

    def as_json(self):
        return {
            "title": self.title,
            "url": self.url,
            "type": self.type,
            "language": self.language,
            "snippet": str(self.snippet),
            "snippet_source": self.snippet_source.as_json() if self.snippet_source else None,
            "date": self.date.isoformat() if self.date else None,
            "countries": [{"value": v, "label": label} for v, label in self.countries],
            "topics": [{"value": v, "label": label} for v, label in self.topics],
            "studies": [{"value": v, "label": label} for v, label in self.studies],
        }


@dataclass
class SnippetSource:
    """The PDF a snippet was cut from, and its page (None if it could not be placed)."""

    title: str
    url: str
    page: int | None

    def as_json(self):
        return {"type": "pdf", "document": self.title, "url": self.url, "page": self.page}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResults:
    params: object
    total: int
    hits: list
    facets: dict  # facet name -> [FacetValue]
    backend: str
    fallback: str = ""  # why the database answered instead of the configured cluster
    promoted: list = field(default_factory=list)  # Promotions staff pinned to the query
    did_you_mean: str = ""  # the query spelled as the vocabulary does, when few matched

    def describe(self, fixed=()):
        """ "“costing”; Country: Mali" for a title, or "" for the whole site; the facets in
        `fixed` (a feed's or a country page's own) and the defaulted language are left out."""
        parts = [f"“{self.params.q}”"] if self.params.q else []
        for name, values in self.facets.items():
            if name in fixed or name in self.params.defaulted:
                continue
            chosen = [value.label for value in values if value.selected]
            if chosen:
                parts.append(f"{FACETS_BY_NAME[name].label}: {', '.join(chosen)}")
        return "; ".join(parts)

    @property
    def num_pages(self):
        return max(1, math.ceil(self.total / self.params.page_size))

    @property
    def has_previous(self):
        return self.params.page > 1

    @property
    def has_next(self):
        return self.params.page < self.num_pages

    @property
    def first_index(self):
        return self.params.offset + 1 if self.hits else 0

    @property
    def last_index(self):
        return self.params.offset + len(self.hits)

    def as_json(self):
        return {
            "total": self.total,
            "page": self.params.page,
            "page_size": self.params.page_size,
            "num_pages": self.num_pages,
            "sort": self.params.effective_sort,
            "backend": self.backend,
            "lang": list(self.params.selected("lang")),  # the languages searched; [] is every one
            "fallback": bool(self.fallback),
            "notice": self.fallback,
            "promoted": [promotion.as_json() for promotion in self.promoted],
            "did_you_mean": self.did_you_mean or None,
            "results": [hit.as_json() for hit in self.hits],
            "facets": {
                name: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in values
                ]
                for name, values in self.facets.items()
            },
        }


def render_snippet(text):
    """Escape text that carries highlight markers; only <mark> survives as markup."""
    start, end = HIGHLIGHT_MARKERS
    return mark_safe(escape(text).replace(start, "<mark>").replace(end, "</mark>"))


SNIPPET_FIELDS = ("summary", "body", "attachments")  # the first that matched is shown


def snippet_field(hit):
    """The first text field whose highlight marks a match, or None."""
    return next(
        (
            name
            for name in SNIPPET_FIELDS
            if HIGHLIGHT_MARKERS[0] in (hit.highlight.get(name) or "")
        ),
        None,
    )


def choose_snippet(hit):
    """The highlighted summary if it matched, else the highlighted body, else what matched in
    a linked PDF, else the summary."""
    name = snippet_field(hit)
    if name:
        return render_snippet(hit.highlight[name])
    return render_snippet(Truncator(hit.summary or "").words(40, truncate="…"))


def _attachment_ids(hit):
    if snippet_field(hit) != "attachments" or not hit.attachment_ids:
        return []
    return [int(pk) for pk in hit.attachment_ids.split(",") if pk.isdigit()]


def snippet_source(hit, rows):
    """Where a PDF snippet came from: the PDF of the hit's holding the snippet's words, and
    the page (`rows`: the hits' PDFs, read once per page of results). None for a snippet
    from the page's own text."""
    ids = _attachment_ids(hit)
    if not ids:
        return None
    words = hit.highlight["attachments"].replace("…", " ").split()
    focus = next(i for i, word in enumerate(words) if HIGHLIGHT_MARKERS[0] in word)
    for marker in HIGHLIGHT_MARKERS:
        words = [word.replace(marker, "") for word in words]
    document, page = attachment_texts.locate(ids, words, focus, rows)
    if document is None:
        return SnippetSource("", "", None)
    return SnippetSource(document.title, document.url, page)


def present(params, raw, backend, fallback=""):
    """Label raw values and order facet values; selected values stay listed at count 0."""
    values_by_facet = {facet.name: set(raw.facet_counts.get(facet.name, {})) for facet in FACETS}
    for facet in FACETS:
        values_by_facet[facet.name] |= set(params.selected(facet.name))
    for hit in raw.hits:
        for facet, source in FACET_FIELDS.items():
            if source.hit:  # what the hit shows must be labelled, even if not counted
                values_by_facet[facet] |= set(facet_values(getattr(hit, source.name)))
    labels = facet_labels(values_by_facet)

    facets = {}
    for facet in FACETS:
        counts = dict(raw.facet_counts.get(facet.name, {}))
        selected = params.selected(facet.name)
        for value in selected:
            counts.setdefault(value, 0)
        entries = [
            FacetValue(value, labels[facet.name][value], count, value in selected)
            for value, count in counts.items()
        ]
        if facet.order == "value-desc":
            entries.sort(key=lambda v: v.value, reverse=True)
        else:
            entries.sort(key=lambda v: (not v.selected, -v.count, v.label.casefold()))
        facets[facet.name] = entries

    promoted = promotions.for_search(params)
    pinned = {promotion.key for promotion in promoted}
    raw_hits = [hit for hit in raw.hits if hit.key not in pinned]  # shown above, not twice
    pdf_ids = [pk for hit in raw_hits for pk in _attachment_ids(hit)]
    pdfs = attachment_texts.read_texts(pdf_ids) if pdf_ids else {}
    # Types are stored in English; a page of hits has few, and gettext is slow beside the rest.
    type_labels = {name: gettext(name) for name in {hit.type_name for hit in raw_hits} if name}
    hits = [
        Hit(
            key=hit.key,
            type=hit.type,
            type_label=type_labels.get(hit.type_name, hit.type),
            title=hit.title,
            url=hit.url,
            date=hit.date,
            snippet=choose_snippet(hit),
            countries=[(code, labels["country"][code]) for code in hit.countries],
            topics=[(slug, labels["topic"][slug]) for slug in hit.topics],
            studies=[(slug, labels["study"][slug]) for slug in hit.studies],
            changed=hit.changed,
            language=hit.language or "",
            language_label=labels["lang"].get(hit.language, "") if hit.language else "",
            published=hit.published,
            snippet_source=snippet_source(hit, pdfs),
        )
        for hit in raw_hits
    ]
    return SearchResults(params, raw.total, hits, facets, backend, fallback, promoted,
                         did_you_mean=did_you_mean(params, raw.total))  # fmt: skip


FEW_RESULTS = 3  # below this, a search offers its correction


def did_you_mean(params, total):
    """The query with its unknown words corrected from the vocabulary of the language searched
    (the page's), when it found few results; "" otherwise. Not for quoted phrases or -words,
    whose syntax a correction would lose."""
    if total >= FEW_RESULTS or params.page != 1 or not params.text.positive:
        return ""
    if '"' in params.q or any(word.startswith("-") for word in params.q.split()):
        return ""
    selected = params.selected(LANGUAGE)
    code = selected[0] if len(selected) == 1 else languages.active()
    return vocabulary.correct(params.q, code)
