"""Writes documents into the database's document store (SearchDocument).

The full-text index over the store (search/fulltext.py) follows it: on PostgreSQL a
generated tsvector column, on SQLite FTS5 rows this module writes with each document's
words analysed in its language (a trigger deletes them with the document).
"""

from django.db import connection, transaction
from django.utils import timezone

from . import fulltext, vocabulary
from .collect import documents_for
from .documents import FIELDS, STORE_COLUMNS, TAGS, Document
from .models import SearchDocument, SearchFacetValue


def delete_documents(documents, counted=True):
    """Delete these SearchDocument rows (a queryset) and their facet rows: a query each.
    Django's delete would load every row first (page-delete receivers listen to every model),
    a third of a rebuild's time; nothing listens for documents. Their words are uncounted
    unless not `counted` (a rebuild counts from nothing). Returns the count."""
    if counted:
        vocabulary.remove(documents)
    SearchFacetValue.objects.filter(document__in=documents.values("pk"))._raw_delete(
        SearchFacetValue.objects.db
    )
    return documents._raw_delete(documents.db)


def _rows(doc):
    values = {field.name: getattr(doc, field.name) for field in STORE_COLUMNS}
    return SearchDocument(**values, indexed_at=timezone.now())


@transaction.atomic
def replace_documents(docs, stale_keys=()):
    """Store `docs` (replacing any with the same key) and delete `stale_keys`."""
    keys = [doc.key for doc in docs]
    delete_documents(SearchDocument.objects.filter(key__in=[*keys, *stale_keys]))
    vocabulary.add(docs)
    if connection.vendor == "postgresql" and len(docs) > 1:
        return _copy_documents(docs)
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


def _copy_documents(docs):
    """replace_documents' writes on PostgreSQL: ids drawn from the sequence, then the
    documents and their facet rows each in one COPY (the ORM's INSERT of the same rows took
    most of a rebuild's writing time)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [SearchDocument._meta.db_table, len(docs)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        columns = ["id", *(f.attname for f in STORE_COLUMNS), "indexed_at"]
        with cursor.copy(_copy_sql(SearchDocument, columns)) as copy:
            for pk, doc in zip(ids, docs, strict=True):
                copy.write_row([pk, *(getattr(doc, f.name) for f in STORE_COLUMNS), now])
        columns = ["document", "facet", "value", "language"]
        with cursor.copy(_copy_sql(SearchFacetValue, columns)) as copy:
            for pk, doc in zip(ids, docs, strict=True):
                for facet, value in doc.facet_values():
                    copy.write_row([pk, facet, value, doc.language])
    return [doc.key for doc in docs]


def _copy_sql(model, names):
    """COPY into the model's table, the columns of these model fields in order."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"


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
    delete_documents(SearchDocument.objects.filter(page_id=page_id))
    return keys


def load_documents(keys):
    """Documents by key, as the cluster receives them (missing keys mean "delete")."""
    return _documents(SearchDocument.objects.filter(key__in=keys))


def _documents(rows):
    """{key: Document} of these SearchDocument rows (a queryset), read as plain values: two
    queries, and no model instance per row or per facet value."""
    tag_facets = {f.facet: f.name for f in FIELDS if f.kind == TAGS and f.facet}
    names = [field.name for field in STORE_COLUMNS]
    found, by_id = {}, {}
    for pk, *values in rows.values_list("pk", *names):
        values = dict(zip(names, values, strict=True))
        values.update({name: [] for name in tag_facets.values()})
        by_id[pk] = values
    facets = SearchFacetValue.objects.filter(document_id__in=list(by_id), facet__in=tag_facets)
    for document_id, facet, value in facets.order_by("id").values_list(
        "document_id", "facet", "value"
    ):
        by_id[document_id][tag_facets[facet]].append(value)
    for values in by_id.values():
        found[values["key"]] = Document(**values)
    return found


def documents_after(last_pk, count):
    """Up to `count` stored documents with a pk above `last_pk`, in pk order, and the last pk
    (None when there are none): for reading the whole store a chunk at a time."""
    pks = list(
        SearchDocument.objects.filter(pk__gt=last_pk)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    if not pks:
        return [], None
    return list(_documents(SearchDocument.objects.filter(pk__in=pks)).values()), pks[-1]


def analyse():
    """Refresh the planner's statistics after a bulk rebuild, so facet and text queries get
    good plans."""
    with connection.cursor() as cursor:
        for model in (SearchDocument, SearchFacetValue):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
