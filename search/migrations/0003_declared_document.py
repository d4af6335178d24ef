"""The store as the document's declaration derives it (search/documents.py), and the queue's
claims and rebuild records.

`doc_type` is renamed `type`, as the field is named everywhere else. New: `type_name`, `year`
(an article may know its year and not its day), `sort_date` (its date, else its year's
start) and `changed` (when its page last changed). Every step on the document table is an
ALTER TABLE that keeps the table, so the full-text triggers of 0002 stay. Existing rows
are filled in here; `search_index rebuild` rewrites them anyway.
"""

import django.db.models.deletion
import django.utils.timezone
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
    Page = apps.get_model("wagtailcore", "Page")
    changed = dict(Page.objects.values_list("pk", "last_published_at"))
    for row in SearchDocument.objects.only("key", "type", "date", "page_id").iterator():
        name = TYPE_NAMES.get(row.type, row.type)
        if row.type == "article" and row.key.startswith("page:"):
            name = "Journal supplement"
        when = changed.get(row.page_id)
        SearchDocument.objects.filter(pk=row.pk).update(
            type_name=name,
            year=str(row.date.year) if row.date else None,
            sort_date=row.date,
            changed=when.date() if when else None,
        )


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
        migrations.AddField(
            "searchdocument", "sort_date", models.DateField(db_index=True, null=True)
        ),
        migrations.AddField("searchdocument", "changed", models.DateField(null=True)),
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
        migrations.AlterModelOptions(
            "searchdocument", options={"ordering": ["-sort_date", "title_sort", "key"]}
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddField(
            "pendingindexupdate",
            "claimed_until",
            models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="IndexRebuild",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="ChangeDuringRebuild",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("page_id", models.IntegerField()),
                ("rebuild", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="changes",
                                              to="portal_search.indexrebuild")),
            ],
        ),
    ]  # fmt: skip
