"""Terms that mean the same to a reader, which editors keep as Synonym snippets, applied to
every query on every backend.

A rule is one line of equivalent terms separated by commas: "iCCM, integrated community
case management", "paludisme, malaria, malária". A query's words that spell one of a rule's
terms (as a language reads them: folded and stemmed) become a group any of whose terms may
match (`TextQuery.alternatives`), which each backend writes in its own syntax: FTS5's OR,
tsquery's ||, simple_query_string's |. So a saved rule applies to the next search, with no
rebuild, the same way on SQLite, PostgreSQL, OpenSearch and Elasticsearch.

Not OpenSearch's `synonym_graph` in a search analyser: OpenSearch reloads one only from a
file on every node, through the Index State Management plugin's refresh API (neither a
node from Maven Central nor a managed cluster offers both), and otherwise only by closing
the index, which stops its searches. Expanding the parsed query gives the same matches,
phrases included, and keeps one declaration of what a query means for every backend.
"""

import functools
import re

from django.utils.translation import gettext as _

from portal import cached
from portal.validation import has_control_characters

from . import languages

CACHE_KEY = "search:synonyms:1"
CACHE_TIMEOUT = 300  # seconds; a change deletes it at once, so this bounds only another
# process's per-process memory cache
MAX_TERMS = 20
MAX_WORDS = 12  # in one term ("prise en charge intégrée des maladies de l'enfant…")
MAX_LENGTH = 500
SEPARATORS_RE = re.compile(r"[,=]")
ALLOWED_RE = re.compile(r"[^\W_]|[\s'’&.\-/]")


class SynonymError(ValueError):
    """A rule that cannot be read: the message says what to change."""


def split_terms(line):
    """The terms of one rule, cleaned ("iCCM,  integrated community case management" →
    ["iCCM", "integrated community case management"]); SynonymError naming the problem."""
    line = (line or "").strip()
    if has_control_characters(line):
        raise SynonymError(_("Use one line without tabs or control characters."))
    if len(line) > MAX_LENGTH:
        raise SynonymError(_("Keep a rule under %(max)s characters.") % {"max": MAX_LENGTH})
    if "=>" in line:
        raise SynonymError(
            _("One-way rules (=>) are not supported: list terms that mean the same, "
              "separated by commas.")
        )  # fmt: skip
    terms = [" ".join(part.split()) for part in SEPARATORS_RE.split(line)]
    if len(terms) < 2:
        raise SynonymError(_("List at least two terms that mean the same, separated by commas."))
    if len(terms) > MAX_TERMS:
        raise SynonymError(_("At most %(max)s terms in one rule.") % {"max": MAX_TERMS})
    seen = set()
    for number, term in enumerate(terms, 1):
        if not term:
            raise SynonymError(
                _("Term %(number)s is empty: remove the extra comma.") % {"number": number}
            )
        if bad := [char for char in term if not ALLOWED_RE.match(char)]:
            raise SynonymError(
                _("“%(term)s” has “%(char)s”, which search does not read: use letters, digits, "
                  "spaces, hyphens, apostrophes and &.") % {"term": term, "char": bad[0]}
            )  # fmt: skip
        words = languages.WORD_RE.findall(term)
        if not words:
            raise SynonymError(_("“%(term)s” has no word in it.") % {"term": term})
        if len(words) > MAX_WORDS:
            raise SynonymError(
                _("“%(term)s” is longer than %(max)s words.") % {"term": term, "max": MAX_WORDS}
            )
        if all(_keys(language, term) == () for language in languages.languages()):
            raise SynonymError(
                _("“%(term)s” is made only of words search ignores (like “the”).") % {"term": term}
            )
        if term.casefold() in seen:  # "malária" beside "malaria" is not: both may be typed
            raise SynonymError(_("“%(term)s” is listed twice.") % {"term": term})
        seen.add(term.casefold())
    return terms


def _keys(language, term):
    """What `language` makes of a term's words: its index terms, stop words left out."""
    return tuple(key for key in (language.term(w) for w in language.words(term)) if key)


def rules():
    """Every rule as (language code or "", terms): from the cache, else the database."""
    return cached.read(CACHE_KEY, _read_rules, CACHE_TIMEOUT)


def _read_rules():
    from .models import Synonym

    return tuple(
        (language, tuple(split_terms(terms)))
        for language, terms in Synonym.objects.order_by("pk").values_list("language", "terms")
    )


def forget():
    """Drop the cached rules (a rule was saved or deleted)."""
    cached.forget(CACHE_KEY)


class Equivalences:
    """One language's rules: index terms of each listed term → the group it belongs to."""

    def __init__(self, language, groups):
        self.language = language
        self.groups = {}
        for group in groups:
            for key in group:
                self.groups[key] = group
        self.longest = max((len(key) for key in self.groups), default=0)

    def __bool__(self):
        return bool(self.groups)

    def group(self, words):
        """The words of each term of the group `words` spell, or None."""
        found = self.groups.get(tuple(k for k in map(self.language.term, words) if k))
        return found and found.values()

    def spans(self, words):
        """`words` in order, each run that spells a listed term replaced by its group:
        [("word", w) | ("group", (words of each term, …))], longest run first."""
        keys = [self.language.term(word) for word in words]
        out, i = [], 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                group = self.groups.get(tuple(keys[i : i + size]))
                if group:
                    out.append(("group", tuple(group.values())))
                    i += size
                    break
            else:
                out.append(("word", words[i]))
                i += 1
        return out


def for_language(code, found=None):
    """The Equivalences that apply to `code`'s reading of a query (its rules and those for
    every language), of `found` rules (else of rules())."""
    return _equivalences(code, rules() if found is None else found)


@functools.lru_cache(maxsize=16)
def _equivalences(code, found):
    language = languages.get(code)
    groups = []  # each: {index terms: words of the term}
    for rule_language, terms in found:
        if rule_language and languages.get(rule_language).code != language.code:
            continue
        group = {}
        for term in terms:
            key = _keys(language, term)
            if key:  # a term of only this language's stop words never matches in it
                group.setdefault(key, tuple(language.words(term)))
        if len(group) > 1:
            groups.append(group)
    # Rules that share a term are one group: "malaria, paludisme" and "malaria, malária".
    merged = []
    for group in groups:
        overlapping = [other for other in merged if other.keys() & group.keys()]
        for other in overlapping:
            merged.remove(other)
            group = {**other, **{k: v for k, v in group.items() if k not in other}}
        merged.append(group)
    return Equivalences(language, merged)
