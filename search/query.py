"""Search parameters: validated once, shared by the page, the API and listings.

Text is parsed here into words, "quoted phrases" and -exclusions, so that no
query syntax ever reaches an engine and every backend reads the same query. It is parsed
once per language (each has its own elisions and stop words): a document matches the text
as its own language reads it.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.validation import has_control_characters

from . import languages, synonyms
from .facets import FACETS, LANGUAGE

MAX_QUERY_LENGTH = 500
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # deepest result either backend pages to
MAX_FACET_VALUES = 50  # per facet in one request
MAX_VALUE_LENGTH = 100
SORTS = ("relevance", "newest", "title")

TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True)
class TextQuery:
    """Words and phrases that must all match, and words and phrases that must not."""

    terms: tuple = ()
    phrases: tuple = ()  # each a tuple of words
    excluded: tuple = ()  # each a tuple of words (one word or a phrase)
    # Groups of equivalent terms (search/synonyms.py), each of which must match one of its
    # terms: each group a tuple of terms, each term a tuple of words.
    alternatives: tuple = ()
    # Before the expansion, with its exclusions: what the reader typed ranks above what only
    # an equivalent matched (None when nothing was expanded).
    literal: "TextQuery | None" = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, text, language, equivalences=None):
        """The text as `language` reads it: its words, less its stop words outside phrases,
        and the terms `equivalences` lists made groups of their equivalents."""
        terms, phrases, excluded = [], [], []
        for match in TOKEN_RE.finditer(text or ""):
            quoted = match.group(2) is not None
            negative = bool(match.group(1) if quoted else match.group(3))
            parts = language.words(match.group(2) if quoted else match.group(4))
            if all(language.is_stop(part) for part in parts):
                continue  # nothing the engines would index
            if not quoted:
                parts = [part for part in parts if not language.is_stop(part)]
            if negative:
                excluded.append(tuple(parts))
            elif quoted and len(parts) > 1:
                phrases.append(tuple(parts))
            else:
                terms.extend(part for part in parts if part not in terms)
        query = cls(tuple(terms), tuple(phrases), tuple(excluded))
        return query.expanded(equivalences) if equivalences else query

    def expanded(self, equivalences):
        """The same query with each run of words, each phrase and each exclusion that spells
        a listed term made the group of its equivalents."""
        terms, groups, phrases = [], [], []
        for kind, value in equivalences.spans(list(self.terms)):
            (groups if kind == "group" else terms).append(value)
        for phrase in self.phrases:
            group = equivalences.group(phrase)
            (groups if group else phrases).append(tuple(group) if group else phrase)
        excluded = list(self.excluded)
        for words in self.excluded:
            excluded += [term for term in equivalences.group(words) or () if term not in excluded]
        if not groups and excluded == list(self.excluded):
            return self
        return replace(
            self,
            terms=tuple(terms),
            phrases=tuple(phrases),
            excluded=tuple(excluded),
            alternatives=tuple(dict.fromkeys(groups)),
            literal=replace(self, excluded=tuple(excluded)) if self.positive else None,
        )

    @property
    def positive(self):
        return bool(self.terms or self.phrases or self.alternatives)

    def __bool__(self):
        return bool(self.positive or self.excluded)

    def as_simple_query_string(self):
        """The same query in simple_query_string syntax, built only from plain words (a group
        of equivalents needs the OR and PRECEDENCE flags)."""
        parts = list(self.terms) + [_quoted(p) for p in self.phrases]
        parts += ["(" + " | ".join(map(_quoted, group)) + ")" for group in self.alternatives]
        parts += [f"-{_quoted(p)}" for p in self.excluded]
        return " ".join(parts)

    def highlight_words(self):
        alternatives = (w for group in self.alternatives for term in group for w in term)
        return [*self.terms, *(w for p in self.phrases for w in p), *alternatives]


def _quoted(words):
    """One word as itself, several as a "phrase"."""
    return f'"{" ".join(words)}"' if len(words) > 1 else words[0]


class SearchText(dict):
    """The text parsed in every language: language code -> TextQuery. False when no language
    has anything to match (the text was only stop words)."""

    @classmethod
    def parse(cls, text):
        rules = synonyms.rules() if text else ()
        return cls(
            (lang.code, TextQuery.parse(text, lang, synonyms.for_language(lang.code, rules)))
            for lang in languages.languages()
        )

    @property
    def positive(self):
        return any(text.positive for text in self.values())

    def __bool__(self):
        return any(self.values())

    def matching(self):
        """(code, TextQuery) of the languages whose documents the text can match."""
        return [(code, text) for code, text in self.items() if text]


class InvalidSearch(ValueError):
    """Bad parameters: `errors` maps each bad parameter to what is wrong with it."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    filters: dict = field(default_factory=dict)  # facet name -> tuple of values
    sort: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    parent_id: int | None = None  # listings: only the children of this page
    published_after: datetime.datetime | None = None  # alerts: only what appeared since
    defaulted: frozenset = frozenset()  # facets whose selection is the default, not asked for

    @functools.cached_property
    def text(self):
        return SearchText.parse(self.q)

    @property
    def effective_sort(self):
        if self.sort == "relevance" and not self.text.positive:
            return "newest"
        return self.sort or ("relevance" if self.text.positive else "newest")

    @property
    def offset(self):
        return (self.page - 1) * self.page_size

    def selected(self, facet_name):
        return self.filters.get(facet_name, ())

    @property
    def explicit_filters(self):
        """The selections the reader made (the language a page defaults to is not one)."""
        return {k: v for k, v in self.filters.items() if k not in self.defaulted}

    def canonical_query(self):
        """The search as one stable query string (the feed's and an alert's): the text and the
        reader's own selections, values sorted, no paging or sort. A search in every language
        says lang=all; one in the page's language says nothing (its language is the reader's)."""
        pairs = [("q", self.q)] if self.q else []
        for facet in FACETS:
            pairs += [
                (facet.name, value) for value in sorted(self.explicit_filters.get(facet.name, ()))
            ]
        if LANGUAGE not in self.filters and LANGUAGE not in self.defaulted:
            pairs.append((LANGUAGE, languages.ALL))
        return urlencode(pairs)

    def without(self, facet_name):
        """The same search without one facet's selection (for multi-select counts)."""
        return replace(self, filters={k: v for k, v in self.filters.items() if k != facet_name})

    @classmethod
    def from_query_dict(cls, data, defaults=None, **fixed):
        """Validate GET parameters; raise InvalidSearch naming every bad one.

        `defaults`: facet selections that apply when the parameter is absent (the views
        give `lang`: the page's language). `lang=all` asks for every language."""
        errors = {}
        for name in ("q", "sort", "page", "page_size", *(f.name for f in FACETS)):
            for value in data.getlist(name):
                if has_control_characters(value):
                    errors[name] = _("must not contain control characters.")
        q = data.get("q", "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            errors["q"] = too_long(q, MAX_QUERY_LENGTH)
        sort = data.get("sort", "").strip()
        if sort and sort not in SORTS:
            errors["sort"] = _("must be one of %(values)s.") % {"values": ", ".join(SORTS)}
        page = _integer(data, "page", 1, 1, None, errors)
        page_size = _integer(data, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
        if (
            "page" not in errors
            and "page_size" not in errors
            and (page - 1) * page_size >= MAX_RESULT_WINDOW
        ):
            errors["page"] = _(
                "is beyond the first %(count)s results; narrow the search instead."
            ) % {"count": number_format(MAX_RESULT_WINDOW, force_grouping=True)}
        filters, defaulted = {}, set()
        for facet in FACETS:
            values = [facet.normalise(v.strip()) for v in data.getlist(facet.name) if v.strip()]
            if facet.choices and languages.ALL in values:
                continue  # every value: no filter
            if len(values) > MAX_FACET_VALUES:
                errors[facet.name] = _("at most %(count)s values.") % {"count": MAX_FACET_VALUES}
            elif any(len(v) > MAX_VALUE_LENGTH for v in values):
                errors[facet.name] = _("values must be at most %(count)s characters.") % {
                    "count": MAX_VALUE_LENGTH
                }
            elif facet.choices and (unknown := [v for v in values if v not in facet.choices()]):
                errors[facet.name] = _("unknown value %(value)s: use %(choices)s or %(all)s.") % {
                    "value": repr(unknown[0][:20]),
                    "choices": ", ".join(facet.choices()),
                    "all": languages.ALL,
                }
            elif values and facet.name not in errors:
                filters[facet.name] = tuple(dict.fromkeys(values))
            elif not values and facet.name in (defaults or {}) and facet.name not in errors:
                filters[facet.name] = tuple(defaults[facet.name])
                defaulted.add(facet.name)
        if errors:
            raise InvalidSearch(errors)
        return cls(q=q, filters=filters, sort=sort, page=page, page_size=page_size,
                   defaulted=frozenset(defaulted), **fixed)  # fmt: skip

    @classmethod
    def for_request(cls, data, **fixed):
        """Parameters for a page or feed: `lang` defaults to the language the request is in."""
        return cls.from_query_dict(data, defaults={LANGUAGE: (languages.active(),)}, **fixed)


def too_long(text, maximum):
    """The message for a text over `maximum` characters."""
    return _("must be at most %(max)s characters (got %(got)s).") % {
        "max": maximum,
        "got": len(text),
    }


def _integer(data, name, default, minimum, maximum, errors):
    raw = data.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = _("must be a whole number (got %(value)s).") % {"value": repr(raw[:20])}
        return default
    if value < minimum or (maximum is not None and value > maximum):
        errors[name] = (
            _("must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}
            if maximum
            else _("must be at least %(min)s.") % {"min": minimum}
        )
    return value
