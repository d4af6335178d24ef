"""The store's columns as the document's declaration derives them (search/documents.py).

`doc_type` is renamed `type`, as the field is named everywhere else; `type_name`
and `year` are new (an article may know its year and not its day). Every step
is an ALTER TABLE that keeps the table, so the full-text triggers of 0002 stay.
Existing rows are filled in here; `search_index rebuild` rewrites them anyway.
"""

from django.db import migrations, models

# The names the page types declared when this migration was written (frozen here).
TYPE_NAMES = {
    "study": "Study",
    "findings": "Findings",
    "brief": "Policy brief",
    "article": "Journal article",
    "news": "News",
    "research-area": "Research area",
}


def fill(apps, schema_editor):
    SearchDocument = apps.get_model("portal_search", "SearchDocument")
    for row in SearchDocument.objects.only("key", "type", "date").iterator():
        name = TYPE_NAMES.get(row.type, row.type)
        if row.type == "article" and row.key.startswith("page:"):
            name = "Journal supplement"
        year = str(row.date.year) if row.date else None
        SearchDocument.objects.filter(pk=row.pk).update(type_name=name, year=year)


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0002_fulltext")]

    operations = [
        migrations.RenameField("searchdocument", "doc_type", "type"),
        migrations.AlterField(
            "searchdocument",
            "type",
            models.CharField(blank=True, db_index=True, max_length=20),
        ),
        migrations.AddField(
            "searchdocument",
            "type_name",
            models.CharField(blank=True, max_length=60, null=True),
        ),
        migrations.AddField(
            "searchdocument", "year", models.CharField(blank=True, max_length=4, null=True)
        ),
        migrations.AlterField("searchdocument", "body", models.TextField(blank=True)),
        migrations.AlterField(
            "searchdocument", "key", models.CharField(blank=True, max_length=40, unique=True)
        ),
        migrations.AlterField(
            "searchdocument", "parent_id", models.IntegerField(db_index=True, null=True)
        ),
        migrations.AlterField("searchdocument", "summary", models.TextField(blank=True)),
        migrations.AlterField("searchdocument", "title", models.TextField(blank=True)),
        migrations.AlterField(
            "searchdocument",
            "title_sort",
            models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AlterField(
            "searchdocument", "url", models.CharField(blank=True, max_length=1000)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
