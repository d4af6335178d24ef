"""Documents carry their language, and their text is indexed in it (search/languages.py).

`language` is a nullable, indexed column added by ALTER TABLE, so the document table is
kept (no SQLite table remake). Facet rows get the same column (a search in one language
counts from its rows alone) and an index on it. Existing rows get their page's locale's
language and its facet row.

SQLite: the porter FTS5 table of 0002 and its three triggers give way to one FTS5 table
with the text fields of each language (`title_en`, `summary_en`, `body_en`, `title_fr`, …),
written by the store already analysed (folded, Snowball-stemmed), and one trigger that
deletes a document's row with it. Existing rows are analysed here with the analyser of this
release; `search_index rebuild` rewrites them anyway.

PostgreSQL: `unaccent` (a trusted extension since PostgreSQL 13: the database owner may
create it), one text search configuration per language, a copy of PostgreSQL's own with
`unaccent` before the stemmer, and the generated `search_vector` computed with the row's
language's configuration.

The languages are frozen here as they were when this was written; a new language needs a
migration of its own (tests/test_search_languages.py checks the database has them all).
"""

from django.db import migrations, models

DOC = "portal_search_searchdocument"
FACET = "portal_search_searchfacetvalue"
FTS = "portal_search_fts"
LANGUAGES = {"en": "english", "fr": "french", "pt": "portuguese"}  # code -> PostgreSQL's config
DEFAULT = "en"
TEXT = ("title", "summary", "body")
COLUMNS = [f"{field}_{code}" for code in LANGUAGES for field in TEXT]


def fill_languages(apps, schema_editor):
    """Each document's language is its page's locale's (an article's, its supplement's), and
    its facet rows carry it too."""
    SearchDocument = apps.get_model("portal_search", "SearchDocument")
    SearchFacetValue = apps.get_model("portal_search", "SearchFacetValue")
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in Locale.objects.values_list("language_code", flat=True):
        language = code.split("-")[0] if code.split("-")[0] in LANGUAGES else DEFAULT
        SearchDocument.objects.filter(page__locale__language_code=code).update(language=language)
    SearchDocument.objects.filter(language__isnull=True).update(language=DEFAULT)
    SearchFacetValue.objects.filter(facet="lang").delete()
    rows = [
        SearchFacetValue(document_id=pk, facet="lang", value=code)
        for pk, code in SearchDocument.objects.values_list("pk", "language").iterator()
    ]
    SearchFacetValue.objects.bulk_create(rows, batch_size=2000)
    for code in LANGUAGES:
        SearchFacetValue.objects.filter(document__language=code).update(language=code)


def drop_language_rows(apps, schema_editor):
    apps.get_model("portal_search", "SearchFacetValue").objects.filter(facet="lang").delete()


SQLITE_FORWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5({", ".join(COLUMNS)},
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {DOC} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
    END""",
]
# 0002's table and triggers, as they were.
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TABLE IF EXISTS {FTS}",
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        title, summary, body, content='{DOC}', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON {DOC} BEGIN
        INSERT INTO {FTS}(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {DOC} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE ON {DOC} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO {FTS}(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]  # fmt: skip


def _config(code):
    return f"portal_{LANGUAGES[code]}"


def _vector(weight, column):
    cases = " ".join(f"WHEN '{code}' THEN '{_config(code)}'::regconfig" for code in LANGUAGES)
    config = f"CASE language {cases} ELSE '{_config(DEFAULT)}'::regconfig END"
    return f"setweight(to_tsvector({config}, coalesce({column}, '')), '{weight}')"


POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    *(
        statement
        for base in LANGUAGES.values()
        for statement in (
            f"CREATE TEXT SEARCH CONFIGURATION portal_{base} (COPY = pg_catalog.{base})",
            f"ALTER TEXT SEARCH CONFIGURATION portal_{base} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {base}_stem",
        )
    ),
    "DROP INDEX IF EXISTS portal_search_vector",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
    f"""ALTER TABLE {DOC} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        {_vector("A", "title")} || {_vector("B", "summary")} || {_vector("C", "body")}) STORED""",
    f"CREATE INDEX portal_search_vector ON {DOC} USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS portal_search_vector",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
    f"""ALTER TABLE {DOC} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')) STORED""",
    f"CREATE INDEX portal_search_vector ON {DOC} USING GIN (search_vector)",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS portal_{base}" for base in LANGUAGES.values()),
]  # the unaccent extension stays: other schemas may use it


def fill_sqlite(schema_editor):
    """Each document's text into its language's columns, analysed as the store writes it."""
    from search.languages import get  # this release's analyser (a rebuild rewrites the rows)

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, language, title, summary, body FROM {DOC}")
        rows = cursor.fetchall()
        for pk, code, *texts in rows:
            language = get(code)
            code = language.code if language.code in LANGUAGES else DEFAULT
            columns = ", ".join(f"{field}_{code}" for field in TEXT)
            cursor.execute(
                f"INSERT INTO {FTS} (rowid, {columns}) VALUES (%s, %s, %s, %s)",
                [pk, *(language.index_text(text or "") for text in texts)],
            )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, []):
        schema_editor.execute(statement)
    if vendor == "sqlite":
        fill_sqlite(schema_editor)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_search", "0003_declared_document"),
        ("portal", "0003_locales"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="language",
            field=models.CharField(blank=True, db_index=True, max_length=10, null=True),
        ),
        migrations.AddField(
            model_name="searchfacetvalue",
            name="language",
            field=models.CharField(blank=True, max_length=10, null=True),
        ),
        migrations.RunPython(fill_languages, drop_language_rows),
        migrations.AddIndex(
            model_name="searchfacetvalue",
            index=models.Index(fields=["language", "facet", "value", "document"], name="facet_language_value"),
        ),
        migrations.RunPython(forward, backward),
    ]
