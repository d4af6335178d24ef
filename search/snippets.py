"""Snippets cut from a document's own text, for the backends whose index holds analysed words.

SQLite's full-text rows hold folded, stemmed words, so FTS5's snippet() would show those.
This finds the words of the original text whose terms (search/languages.py) the query asks
for, and marks the best window of them, as FTS5's snippet() did: the window of `size` words
with the most matches, "…" where it cuts the text.
"""

from .documents import HIGHLIGHT_MARKERS
from .languages import WORD_RE

START, END = HIGHLIGHT_MARKERS
ELLIPSIS = "…"


def snippet(text, language, terms, size, seen=None):
    """`text` with the words whose terms are in `terms` marked, cut to `size` words around the
    most matches; "" when nothing matches. `seen`: word -> whether it matches, shared by the
    texts of one search in one language (they repeat their words)."""
    if not text or not terms:
        return ""
    words = list(WORD_RE.finditer(text))
    seen = {} if seen is None else seen
    matched = []
    for index, word in enumerate(words):
        key = word.group().lower()
        found = seen.get(key)
        if found is None:
            found = seen[key] = any(term in terms for term in language.token_terms(key))
        if found:
            matched.append(index)
    if not matched:
        return ""
    first, last = _window(matched, size, len(words))
    pieces = [ELLIPSIS] if first > 0 else []
    position = words[first].start()
    chosen = set(matched)
    for index in range(first, last):
        word = words[index]
        pieces.append(text[position : word.start()])
        pieces.append(f"{START}{word.group()}{END}" if index in chosen else word.group())
        position = word.end()
    if last < len(words):
        pieces.append(ELLIPSIS)
    else:
        pieces.append(text[position:])
    return "".join(pieces)


def _window(matched, size, total):
    """[first, last) word indexes: the `size` words holding the most matches, starting a
    little before the first of them."""
    best, best_count, end = matched[0], 0, 0
    for start, index in enumerate(matched):
        while end < len(matched) and matched[end] < index + size:
            end += 1
        if end - start > best_count:
            best, best_count = index, end - start
    first = max(0, min(best - size // 4, total - size))
    return first, min(total, first + size)
