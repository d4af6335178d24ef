"""The words the store's documents use, per language: what suggestions complete and what
"Did you mean" corrects to, the same whichever backend answers searches.

A word is kept as readers write it ("malária") and found by its folded form ("malaria"),
with the number of documents that use it. The store counts the words of every document it
writes (`add`) and uncounts those of every document it deletes (`remove`), in the same
transaction, so a new page's words are suggested at once, a republished page counts once and
a deleted page's words go with it (a suggestion that finds nothing is worse than none). A
store rebuild counts from nothing; `recount()` (the `search_index vocabulary` command,
nightly from cron) counts the store afresh, for what a publish during a rebuild left
uneven. Title, summary and body are read, not the PDFs' text: their words come with
extraction's broken hyphenations and running headers.
"""

import collections
import functools

from django.db import connection, transaction

from . import languages
from .models import SearchDocument, SearchWord

FIELDS = ("title", "summary", "body")
MIN_LENGTH, MAX_LENGTH = 3, 40
TABLE = SearchWord._meta.db_table


@functools.lru_cache(maxsize=200_000)
def _entry(code, word):
    """(folded, length) of a word worth keeping in `code`, else None."""
    language = languages.get(code)
    if not word.isalpha() or not MIN_LENGTH <= len(word) <= MAX_LENGTH:
        return None
    folded = languages.fold(word)
    if folded in language.stop_words:
        return None
    return folded, len(folded)


@functools.lru_cache(maxsize=200_000)
def _entries(code, token):
    """((folded, word), …) that one lower-cased token gives in `code`."""
    found = []
    for word in languages.get(code).parts(token):
        entry = _entry(code, word)
        if entry:
            found.append((entry[0], word))
    return tuple(found)


def words_of(doc):
    """{folded: word as written} of one document (an object with the FIELDS and language).
    Each distinct token is looked at once per document, and its words once per process: the
    count runs in every store write, and a rebuild writes every document."""
    code = languages.get(doc.language).code
    tokens = set()
    for name in FIELDS:
        tokens.update(languages.WORD_RE.findall((getattr(doc, name) or "").lower()))
    found = {}
    for token in tokens:
        for folded, word in _entries(code, token):
            found.setdefault(folded, word)
    return found


def _count(docs):
    counts, written = collections.Counter(), {}
    for doc in docs:
        code = languages.get(doc.language).code
        for folded, word in words_of(doc).items():
            counts[code, folded] += 1
            written.setdefault((code, folded), word)
    return counts, written


def add(docs):
    """Count the words of documents being stored (one statement per 1,000 words)."""
    counts, written = _count(docs)
    rows = [
        (code, folded, written[code, folded], len(folded), count)
        for (code, folded), count in counts.items()
    ]
    sql = (
        f"INSERT INTO {TABLE} (language, folded, word, length, frequency) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (language, folded) "
        f"DO UPDATE SET frequency = {TABLE}.frequency + excluded.frequency"
    )
    _execute_many(sql, rows)


def _execute_many(sql, rows):
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def remove(documents):
    """Uncount the words of stored documents about to be deleted (a queryset), and forget
    the words no document uses any more."""
    counts, _written = _count(_Row(*row) for row in documents.values_list("language", *FIELDS))
    if not counts:
        return
    # Never below 0 (the column's CHECK): a publish during a rebuild can leave a word counted
    # fewer times than its documents, and deleting a page must not fail for it.
    sql = (
        f"UPDATE {TABLE} SET frequency = CASE WHEN frequency > %s THEN frequency - %s ELSE 0 "
        "END WHERE language = %s AND folded = %s"
    )
    rows = [(count, count, code, folded) for (code, folded), count in counts.items()]
    _execute_many(sql, rows)
    touched = collections.defaultdict(list)  # only these can have reached 0
    for code, folded in counts:
        touched[code].append(folded)
    for code, words in touched.items():
        for start in range(0, len(words), 1000):
            SearchWord.objects.filter(
                language=code, folded__in=words[start : start + 1000], frequency=0
            )._raw_delete(SearchWord.objects.db)


def clear():
    SearchWord.objects.all()._raw_delete(SearchWord.objects.db)


@transaction.atomic
def recount(chunk_size=2000):
    """Count every stored document's words afresh; return how many words there are."""
    clear()
    counts, written = collections.Counter(), {}
    rows = SearchDocument.objects.order_by("pk").values_list("pk", "language", *FIELDS)
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            break
        last = chunk[-1][0]
        found, words = _count(_Row(*row[1:]) for row in chunk)
        counts.update(found)
        for key, word in words.items():
            written.setdefault(key, word)
    SearchWord.objects.bulk_create(
        [
            SearchWord(language=code, folded=folded, word=written[code, folded],
                       length=len(folded), frequency=count)
            for (code, folded), count in counts.items()
        ],
        batch_size=2000,
    )  # fmt: skip
    return len(counts)


_Row = collections.namedtuple("_Row", ["language", *FIELDS])


def completions(prefix, code, limit=5):
    """The most used words of `code` that begin with `prefix` (folded)."""
    folded = languages.fold(prefix)
    if len(folded) < 2:
        return []
    return list(
        SearchWord.objects.filter(
            language=code, folded__gte=folded, folded__lt=folded + "\U0010ffff"
        )
        .order_by("-frequency", "folded")
        .values_list("word", flat=True)[:limit]
    )


def correct(text, code):
    """The text with each word the vocabulary does not know replaced by the most used known
    word one or two edits away, or "" when no word changed (or none could)."""
    words = languages.get(code).words(text)
    if not words or len(words) > 8:
        return ""
    changed, out = False, []
    for word in words:
        replacement = _nearest(word, code)
        changed |= replacement is not None
        out.append(replacement or word)
    return " ".join(out) if changed else ""


def _nearest(word, code):
    entry = _entry(code, word)
    if entry is None:
        return None
    folded, length = entry
    if SearchWord.objects.filter(language=code, folded=folded).exists():
        return None
    allowed = 1 if length <= 5 else 2
    candidates = SearchWord.objects.filter(
        language=code,
        length__in=range(length - allowed, length + allowed + 1),
        folded__gte=folded[0],
        folded__lt=folded[0] + "\U0010ffff",
    ).values_list("folded", "word", "frequency")
    best = None
    for other, written, frequency in candidates.iterator(chunk_size=2000):
        distance = edit_distance(folded, other, allowed)
        if distance <= allowed and (best is None or (distance, -frequency) < best[:2]):
            best = (distance, -frequency, written)
    return best[2] if best else None


def edit_distance(a, b, limit):
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 once it must
    exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]
