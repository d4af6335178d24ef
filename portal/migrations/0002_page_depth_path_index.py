"""An index on wagtailcore_page (depth, path), for get_children() and the main menu.

Treebeard finds a page's children by `path LIKE 'prefix%' AND depth = n`.
SQLite cannot use the path index for Django's `LIKE ... ESCAPE`, so each menu
scanned the whole tree (8 ms per page view at 20,000 pages); with this index
the depth narrows it to a handful of rows on SQLite and PostgreSQL alike.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS portal_page_depth_path ON wagtailcore_page (depth, path)",
            reverse_sql="DROP INDEX IF EXISTS portal_page_depth_path",
        ),
    ]
