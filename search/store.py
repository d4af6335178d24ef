"""Writes documents into the database's document store (SearchDocument).

The full-text index over the store (search/fulltext.py) follows it: on PostgreSQL a
generated tsvector column, on SQLite FTS5 rows this module writes with each document's
words analysed in its language (a trigger deletes them with the document).
"""

from django.db import connection, models, transaction
from django.utils import timezone

from . import fulltext
from .documents import FIELDS, STORE_COLUMNS, TAGS, Document, documents_for
from .models import SearchDocument, SearchFacetValue


def _rows(doc):
    values = {field.name: getattr(doc, field.name) for field in STORE_COLUMNS}
    return SearchDocument(**values, indexed_at=timezone.now())


@transaction.atomic
def replace_documents(docs, stale_keys=()):
    """Store `docs` (replacing any with the same key) and delete `stale_keys`."""
    keys = [doc.key for doc in docs]
    SearchDocument.objects.filter(key__in=[*keys, *stale_keys]).delete()
    created = SearchDocument.objects.bulk_create([_rows(doc) for doc in docs], batch_size=500)
    fulltext.write_sqlite([(row.pk, doc) for row, doc in zip(created, docs, strict=True)])
    SearchFacetValue.objects.bulk_create(
        [
            SearchFacetValue(document_id=row.pk, facet=facet, value=value, language=doc.language)
            for row, doc in zip(created, docs, strict=True)
            for facet, value in doc.facet_values()
        ],
        batch_size=2000,
    )
    return keys


def sync_page(page):
    """Bring one page's documents up to date; return every key that changed (added, updated
    or removed)."""
    docs = documents_for(page)
    existing = set(SearchDocument.objects.filter(page_id=page.pk).values_list("key", flat=True))
    stale = existing - {doc.key for doc in docs}
    replace_documents(docs, stale_keys=stale)
    return [doc.key for doc in docs] + sorted(stale)


def delete_page(page_id):
    keys = list(SearchDocument.objects.filter(page_id=page_id).values_list("key", flat=True))
    SearchDocument.objects.filter(page_id=page_id).delete()
    return keys


def load_documents(keys):
    """Documents by key, as the cluster receives them (missing keys mean "delete")."""
    in_order = models.Prefetch("facet_values", SearchFacetValue.objects.order_by("id"))
    rows = SearchDocument.objects.filter(key__in=keys).prefetch_related(in_order)
    tag_facets = {f.facet: f.name for f in FIELDS if f.kind == TAGS and f.facet}
    found = {}
    for row in rows:
        values = {field.name: getattr(row, field.name) for field in STORE_COLUMNS}
        values.update({name: [] for name in tag_facets.values()})
        for facet_value in row.facet_values.all():
            if facet_value.facet in tag_facets:
                values[tag_facets[facet_value.facet]].append(facet_value.value)
        found[row.key] = Document(**values)
    return found


def analyse():
    """Refresh the planner's statistics after a bulk rebuild, so facet and text queries get
    good plans."""
    with connection.cursor() as cursor:
        for model in (SearchDocument, SearchFacetValue):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
