"""The full-text index over the document store, in each database's own terms.

SQLite: an external-content FTS5 table with the porter tokenizer, kept in step
by triggers. PostgreSQL: a generated, weighted `english` tsvector column with a
GIN index. Other databases get neither (the database backend needs one of them).
"""

from django.db import migrations

DOC = "portal_search_searchdocument"
FTS = "portal_search_fts"

SQLITE_FORWARD = [
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
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_FORWARD = [
    f"""ALTER TABLE {DOC} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')) STORED""",
    f"CREATE INDEX portal_search_vector ON {DOC} USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS portal_search_vector",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
