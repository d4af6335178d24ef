"""What the search box offers while a reader types, in the page's language: the query with
its last word completed from the vocabulary (search/vocabulary.py), titles that begin with
what was typed, and countries and topics whose names have a word beginning so. Read from the
database store, so the same whichever backend answers searches, and cheap: a few indexed
range reads (the taxonomy's names are kept with the site's version).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal import cache_purge
from portal.validation import has_control_characters

from . import languages, vocabulary
from .facets import FACETS_BY_NAME
from .models import SearchDocument
from .query import InvalidSearch, too_long

MAX_LENGTH = 100
WORDS, PAGES, TAXONOMY = 4, 3, 3  # how many of each kind, at most


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str  # "query" (search for the label), "page", "country" or "topic"
    url: str

    def as_json(self):
        return {"label": self.label, "kind": self.kind, "url": self.url}


def read(data):
    """(text, language code) of a suggestion request's GET parameters; InvalidSearch names
    each bad one."""
    errors = {}
    text = data.get("q", "")
    if has_control_characters(text):
        errors["q"] = _("must not contain control characters.")
    elif len(text) > MAX_LENGTH:
        errors["q"] = too_long(text, MAX_LENGTH)
    code = data.get("lang", "").strip() or languages.active()
    if code not in languages.codes():
        errors["lang"] = _("must be one of %(values)s.") % {"values": ", ".join(languages.codes())}
    if errors:
        raise InvalidSearch(errors)
    return text.lstrip(), code


def suggest(text, code):
    """Suggestions for `text` typed on a page in language `code`, best first."""
    if not text.strip():
        return []
    with translation.override(code):
        words = text.split()
        last = "" if text[-1].isspace() else words[-1]
        head = text[: len(text) - len(last)] if last else text
        found = []
        for word in vocabulary.completions(last, code, WORDS) if last else []:
            query = f"{head}{word}"
            if query.casefold() != text.casefold():
                found.append(Suggestion(query, "query", _search_url(q=query)))
        found += _titles(text.strip(), code)
        found += _taxonomy(last, code)
        return found


def _search_url(**params):
    return f"{reverse('search')}?{urlencode(params)}"


def _titles(text, code):
    start = text.casefold()
    if len(start) < 2:
        return []
    rows = SearchDocument.objects.filter(
        language=code, title_sort__gte=start, title_sort__lt=start + "\U0010ffff"
    ).order_by("title_sort", "key")
    return [
        Suggestion(title, "page", url) for title, url in rows.values_list("title", "url")[:PAGES]
    ]


def _taxonomy(prefix, code):
    folded = languages.fold(prefix)
    if len(folded) < 2:
        return []
    found = [
        Suggestion(label, kind, url)
        for kind, label, url, words in _names(code)
        if any(word.startswith(folded) for word in words)
    ]
    return found[:TAXONOMY]


def _names(code):
    """(kind, label in `code`, URL, folded words) of every country and topic, kept with the
    site's version (a taxonomy change purges it with every page)."""

    def make():
        Country = apps.get_model("research", "Country")
        Topic = apps.get_model("research", "Topic")
        codes = list(Country.objects.values_list("code", flat=True))
        slugs = list(
            Topic.objects.filter(locale__language_code=languages.get("").code).values_list(
                "slug", flat=True
            )
        )
        names = []
        for value, label in FACETS_BY_NAME["country"].labels(codes).items():
            names.append(("country", label, reverse("country", args=[value.lower()])))
        for value, label in FACETS_BY_NAME["topic"].labels(slugs).items():
            names.append(("topic", label, _search_url(topic=value)))
        names.sort(key=lambda name: name[1].casefold())
        return [(*name, languages.get(code).words(languages.fold(name[1]))) for name in names]

    key = f"search:suggest-names:{code}:{cache_purge.site_version()}"
    return cache_purge.kept(key, make)
