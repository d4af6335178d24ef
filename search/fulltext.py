"""The full-text index over the document store, per language, in each database's own terms.

SQLite: one FTS5 table (FTS) with the text fields of every language (`title_fr`, …): the
store writes each document's words there already analysed by search/languages.py (folded,
stemmed, stop words marked), into its own language's columns only; a trigger removes them
with the document. PostgreSQL: a generated, weighted `search_vector` column, computed with
the text search configuration of the row's language (`portal_french`, …). Both are made by
migrations 0004 and 0006 (the PDFs' text), which freeze the languages of their day: a
language added to settings needs a migration adding its columns and configuration
(tests/test_search_languages.py fails until it has them).
"""

from django.db import connection

from . import languages
from .documents import TEXT_FIELDS

FTS = "portal_search_fts"
# SQLite's bm25, per text field (PostgreSQL: weights A, B, C and D; search/migrations/0006)
WEIGHTS = {"title": 10.0, "summary": 3.0, "body": 1.0, "attachments": 0.5}


def sqlite_columns(code):
    """The FTS5 columns of one language, in the order of the document's text fields."""
    return [field.in_language(code) for field in TEXT_FIELDS]


def sqlite_column_filter(code):
    return "{" + " ".join(sqlite_columns(code)) + "}"


def bm25_weights():
    """bm25()'s arguments: one weight per FTS5 column, every language's in turn."""
    return ", ".join(
        str(WEIGHTS[field.name]) for _language in languages.languages() for field in TEXT_FIELDS
    )


def write_sqlite(rows):
    """Analysed text of (document id, Document) pairs into the FTS5 table (SQLite only)."""
    if connection.vendor != "sqlite":
        return
    by_language = {}
    for pk, doc in rows:
        language = languages.get(doc.language)
        values = [language.index_text(getattr(doc, field.name)) for field in TEXT_FIELDS]
        by_language.setdefault(language.code, []).append([pk, *values])
    with connection.cursor() as cursor:
        for code, values in by_language.items():
            columns = ", ".join(sqlite_columns(code))
            marks = ", ".join(["%s"] * (len(TEXT_FIELDS) + 1))
            cursor.executemany(f"INSERT INTO {FTS} (rowid, {columns}) VALUES ({marks})", values)


def postgres_config_case(column="d.language"):
    """SQL choosing the row's text search configuration from its language."""
    cases = " ".join(
        f"WHEN '{language.code}' THEN '{language.postgres_config}'::regconfig"
        for language in languages.languages()
    )
    default = languages.get("").postgres_config
    return f"CASE {column} {cases} ELSE '{default}'::regconfig END"
