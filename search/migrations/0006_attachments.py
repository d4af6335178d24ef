"""Documents carry the text of the PDFs their page links to (`attachments`), indexed with a
weight of its own below the body, and the ids of those PDFs (`attachment_ids`: which one a
snippet came from).

The columns are added by ALTER TABLE with an empty default (no SQLite table remake, so the
FTS trigger of 0004 stays). SQLite: the FTS5 table is made again with an `attachments_<code>`
column per language after each language's body, and refilled from the stored text (the
PDFs' text arrives with the next `search_index rebuild`, or as each is read). PostgreSQL:
the generated `search_vector` gains the text with weight D. The languages are those of 0004.
"""

from django.db import migrations, models

DOC = "portal_search_searchdocument"
FTS = "portal_search_fts"
LANGUAGES = {"en": "english", "fr": "french", "pt": "portuguese"}
DEFAULT = "en"
BEFORE = ("title", "summary", "body")
TEXT = (*BEFORE, "attachments")


def _columns(fields):
    return [f"{field}_{code}" for code in LANGUAGES for field in fields]


def _fts(fields):
    return [
        f"DROP TABLE IF EXISTS {FTS}",
        f"""CREATE VIRTUAL TABLE {FTS} USING fts5({", ".join(_columns(fields))},
            tokenize='unicode61 remove_diacritics 0')""",
        f"DROP TRIGGER IF EXISTS {FTS}_delete",
        f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {DOC} BEGIN
            DELETE FROM {FTS} WHERE rowid = old.id;
        END""",
    ]


def _vector(weight, column):
    cases = " ".join(
        f"WHEN '{code}' THEN 'portal_{base}'::regconfig" for code, base in LANGUAGES.items()
    )
    config = f"CASE language {cases} ELSE 'portal_{LANGUAGES[DEFAULT]}'::regconfig END"
    return f"setweight(to_tsvector({config}, coalesce({column}, '')), '{weight}')"


def _postgres(fields):
    vector = " || ".join(_vector(weight, field) for weight, field in zip("ABCD", fields))
    return [
        "DROP INDEX IF EXISTS portal_search_vector",
        f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
        f"ALTER TABLE {DOC} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX portal_search_vector ON {DOC} USING GIN (search_vector)",
    ]


def _fill_sqlite(schema_editor, fields):
    """Each document's text into its language's columns, analysed as the store writes it."""
    from search.languages import get  # this release's analyser (a rebuild rewrites the rows)

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, language, {', '.join(fields)} FROM {DOC}")
        for pk, code, *texts in cursor.fetchall():
            language = get(code)
            code = language.code if language.code in LANGUAGES else DEFAULT
            columns = ", ".join(f"{field}_{code}" for field in fields)
            marks = ", ".join(["%s"] * (len(fields) + 1))
            cursor.execute(
                f"INSERT INTO {FTS} (rowid, {columns}) VALUES ({marks})",
                [pk, *(language.index_text(text or "") for text in texts)],
            )


def _change(fields):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for statement in _fts(fields):
                schema_editor.execute(statement)
            _fill_sqlite(schema_editor, fields)
        elif vendor == "postgresql":
            for statement in _postgres(fields):
                schema_editor.execute(statement)

    return run


def _add_column(name, sql_type, field):
    """An ALTER TABLE ADD COLUMN with an empty default, and the field in Django's state."""
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                f"ALTER TABLE {DOC} ADD COLUMN {name} {sql_type} NOT NULL DEFAULT ''",
                f"ALTER TABLE {DOC} DROP COLUMN {name}",
            )
        ],
        state_operations=[
            migrations.AddField(model_name="searchdocument", name=name, field=field)
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0005_published")]

    operations = [
        _add_column("attachments", "text", models.TextField(blank=True)),
        _add_column("attachment_ids", "varchar(255)", models.CharField(blank=True, max_length=255)),
        migrations.RunPython(_change(TEXT), _change(BEFORE)),
    ]
