"""The portal's languages as search analyses them, declared once.

settings.LANGUAGES says which languages there are; ANALYSIS says how each one's text is
analysed. Every backend applies the same four steps, in the same order:

1. words: lower case; French elisions (l', d', qu', j', n', s', c', m', t') stripped;
   the English possessive 's dropped;
2. diacritics folded (é → e, ç → c, œ → oe), before stemming, because PostgreSQL's
   `unaccent` can only run before its stemmer: so a query finds a word with or without its
   accents (one cost: Portuguese -ção and -ções stem apart);
3. the language's stop words dropped (Snowball's lists, in search/stopwords/; an accented
   stop word never meets a folded word, so only the unaccented ones count, as in PostgreSQL);
4. the language's Snowball stemmer (the same algorithm in Lucene, PostgreSQL and
   snowballstemmer, which a `stemmer` filter's light French and Portuguese stemmers are not).

From this one declaration: the cluster's analysers (`cluster_analysis()`, one per language,
and one text field per analyser: search/documents.py), PostgreSQL's text search
configurations (`postgres_config`, created by migration 0004), and the Python analyser below,
which SQLite's full-text rows, every query's words and SQLite's snippets use.
"""

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

STOP_WORDS_DIR = Path(__file__).resolve().parent / "stopwords"
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
APOSTROPHE_RE = re.compile(r"['’]")
POSSESSIVE_RE = re.compile(r"['’]s$")
LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)
#: Stands for a stop word in SQLite's full-text rows, so that phrases keep their positions
#: (as Lucene's and PostgreSQL's position gaps do). A private-use character: never in text.
STOP = "\ue002"
ALL = "all"  # `lang=all`: every language


@dataclass(frozen=True)
class Analysis:
    snowball: str  # the stemmer, and its stop word list: english, french, portuguese
    elisions: tuple = ()
    possessive: bool = False  # drop a trailing 's


FRENCH_ELISIONS = ("l", "d", "qu", "j", "n", "s", "c", "m", "t")
ANALYSIS = {
    "en": Analysis("english", possessive=True),
    "fr": Analysis("french", elisions=FRENCH_ELISIONS),
    "pt": Analysis("portuguese"),
}


def fold(word):
    """Lower case without diacritics: "Évaluation" → "evaluation", "Œuvre" → "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class Language:
    code: str  # "fr"
    name: str  # in itself, as settings.LANGUAGES names it: "Français"
    analysis: Analysis

    @property
    def analyzer(self):
        """The cluster's analyser of this language's text fields."""
        return f"portal_{self.code}"

    @property
    def postgres_config(self):
        """PostgreSQL's text search configuration: a copy of `postgres_base` with `unaccent`."""
        return f"portal_{self.analysis.snowball}"

    @property
    def postgres_base(self):
        return self.analysis.snowball

    @functools.cached_property
    def stop_words(self):
        """The stop words a folded word can be: Snowball's list, less its accented words."""
        path = STOP_WORDS_DIR / f"{self.analysis.snowball}.txt"
        listed = [line.strip() for line in path.read_text().splitlines()]
        return frozenset(w for w in listed if w and not w.startswith("#") and fold(w) == w)

    def words(self, text):
        """The words of `text` before folding and stemming: lower case, split at apostrophes,
        elisions and possessives removed."""
        found = []
        for token in WORD_RE.findall(text.lower()):
            found.extend(self.parts(token))
        return found

    def parts(self, token):
        if self.analysis.possessive:
            token = POSSESSIVE_RE.sub("", token)
        parts = [part for part in APOSTROPHE_RE.split(token) if part]
        if len(parts) > 1 and parts[0] in self.analysis.elisions:
            parts = parts[1:]
        return parts

    def is_stop(self, word):
        return fold(word) in self.stop_words

    def term(self, word):
        """What the index holds for one word: folded and stemmed, or None for a stop word."""
        key = (self.analysis.snowball, word)
        found = _TERMS.get(key, _MISSING)
        if found is _MISSING:
            if len(_TERMS) > MAX_TERMS:
                _TERMS.clear()
            found = _TERMS[key] = _term(self, word)
        return found

    def terms(self, text):
        """Every word's term, STOP for stop words (what SQLite's full-text rows hold)."""
        return [self.term(word) or STOP for word in self.words(text)]

    def index_text(self, text):
        return " ".join(self.terms(text or ""))

    def token_terms(self, token):
        """The terms of one WORD_RE token of the original text (for snippets)."""
        return [self.term(part) for part in self.parts(token.lower())]


_stemmers = threading.local()  # snowballstemmer's stemmers keep state while they work


# A word costs ~80 µs to fold and stem, and texts repeat their words: terms are kept, by
# (stemmer, word). A dict is the cheapest cache to ask (an lru_cache would hash the Language).
_TERMS, _MISSING, MAX_TERMS = {}, object(), 500_000


def _term(language, word):
    folded = fold(word)
    if folded in language.stop_words:
        return None
    algorithm = language.analysis.snowball
    stemmer = getattr(_stemmers, algorithm, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(algorithm)
        setattr(_stemmers, algorithm, stemmer)
    return stemmer.stemWord(folded)


@functools.lru_cache(maxsize=8)
def _languages(declared):
    found = []
    for code, name in declared:
        analysis = ANALYSIS.get(code) or ANALYSIS.get(code.split("-")[0])
        if analysis is None:
            raise ImproperlyConfigured(
                f"settings.LANGUAGES has {code!r}, which search/languages.py ANALYSIS does not "
                "declare: add how its text is analysed there (and its PostgreSQL configuration "
                "and full-text columns in a migration)."
            )
        found.append(Language(code, str(name), analysis))
    return tuple(found)


def languages():
    """Every configured language, in settings.LANGUAGES order (read when asked, not at import)."""
    return _languages(tuple((code, str(name)) for code, name in settings.LANGUAGES))


def codes():
    return [language.code for language in languages()]


def get(code):
    """The configured language for a code ("fr", "pt-br" → "pt"), else the default language."""
    by_code = {language.code: language for language in languages()}
    code = (code or "").lower()
    found = by_code.get(code) or by_code.get(code.split("-")[0])
    return found or by_code.get(settings.LANGUAGE_CODE) or languages()[0]


def active():
    """The code of the language the request is in (the URL's prefix; English at the root)."""
    return get(translation.get_language()).code


def cluster_analysis():
    """The cluster's `analysis` settings: one custom analyser per language."""
    # Split at apostrophes (after elisions), as the Python analyser and PostgreSQL's parser do.
    filters = {
        "portal_apostrophes": {
            "type": "pattern_capture",
            "preserve_original": False,
            "patterns": ["([^'’]+)"],
        }
    }
    analyzers = {}
    for language in languages():
        name = language.analyzer
        chain = ["lowercase"]
        if language.analysis.elisions:
            filters[f"{name}_elision"] = {
                "type": "elision",
                "articles": list(language.analysis.elisions),
            }
            chain.append(f"{name}_elision")
        filters[f"{name}_stop"] = {"type": "stop", "stopwords": sorted(language.stop_words)}
        filters[f"{name}_stemmer"] = {
            "type": "snowball",
            "language": language.analysis.snowball.capitalize(),
        }
        chain += ["portal_apostrophes", "asciifolding", f"{name}_stop", f"{name}_stemmer"]
        analyzers[name] = {"type": "custom", "tokenizer": "standard", "filter": chain}
    return {"filter": filters, "analyzer": analyzers}
