"""Documents carry when they first appeared (`published`), which alerts count as new.

A nullable, indexed column added by ALTER TABLE (no SQLite table remake, so the FTS
trigger of 0004 stays). Existing rows get their page's first publication; an article, its
supplement's last.
"""

from django.db import migrations, models


def fill(apps, schema_editor):
    SearchDocument = apps.get_model("portal_search", "SearchDocument")
    Page = apps.get_model("wagtailcore", "Page")
    times = {
        pk: (first, last)
        for pk, first, last in Page.objects.filter(
            pk__in=SearchDocument.objects.values("page_id")
        ).values_list("pk", "first_published_at", "last_published_at")
    }
    for document in SearchDocument.objects.only("pk", "key", "page_id").iterator():
        first, last = times.get(document.page_id, (None, None))
        own_page = document.key == f"page:{document.page_id}"
        published = (first or last) if own_page else (last or first)
        SearchDocument.objects.filter(pk=document.pk).update(published=published)


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0004_languages")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="published",
            field=models.DateTimeField(db_index=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
