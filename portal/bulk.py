"""Bulk loads (the demo and its translations, the benchmark corpus) without Wagtail's
per-save index work.

Wagtail 8 queues a reference-index and an admin-search update on every save, and a page is
saved several times as it is created, translated and published: the demo's translations
spent a third of their time there. Within these blocks nothing is queued per save.

`insert_pages` and `insert_rows` skip saving altogether, for pages whose tree fields the
caller has set (the benchmark corpus): bulk inserts, COPY on PostgreSQL, and no signals.
"""

import datetime
import uuid
from collections import defaultdict
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection, models
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, ReferenceIndex
from wagtail.search import index
from wagtail.search.signal_handlers import post_save_signal_handler
from wagtail.search.tasks import insert_or_update_object_task
from wagtail.signal_handlers import update_reference_index_on_save
from wagtail.tasks import update_reference_index_task


@contextmanager
def disconnected(handler, models):
    """`handler` off the post_save of `models` for the block; yields the models it was on."""
    off = [model for model in models if post_save.disconnect(handler, sender=model)]
    try:
        yield off
    finally:
        for model in off:
            post_save.connect(handler, sender=model)


def search_index_deferred(models):
    """No admin-search indexing on each save of `models` (the caller indexes in bulk after)."""
    return disconnected(post_save_signal_handler, models)


@contextmanager
def wagtail_indexing_coalesced():
    """Queue Wagtail's reference-index and search-index update once per object saved in the
    block, when it ends without an error, instead of once per save.

    The same tasks the handlers queue, so deletes and a real task worker behave as before. The
    signals are process-wide: meant for a command or a test, not a served request.
    """
    saved = defaultdict(set)

    def record(sender, instance, raw=False, **kwargs):
        if not raw and instance.pk is not None:
            saved[sender].add(instance.pk)

    searched = [m for m in index.get_indexed_models() if getattr(m, "search_auto_update", True)]
    post_save.connect(record, weak=False, dispatch_uid="portal.bulk.record")
    try:
        with (
            disconnected(update_reference_index_on_save, ReferenceIndex.tracked_models) as refs,
            search_index_deferred(searched) as search,
        ):
            yield
    finally:
        post_save.disconnect(dispatch_uid="portal.bulk.record")
    refs, search = set(refs), set(search)
    for model, pks in saved.items():
        label, name = model._meta.app_label, model._meta.model_name
        for pk in model._base_manager.filter(pk__in=pks).values_list("pk", flat=True):
            if model in refs:
                update_reference_index_task.enqueue(label, name, str(pk))
            if model in search:
                insert_or_update_object_task.enqueue(label, name, str(pk))


@contextmanager
def delete_receivers_muted():
    """No pre_delete or post_delete receiver runs in the block, so Django deletes related rows
    with one query each instead of loading and signalling every row: for deleting thousands
    of pages, when the caller does what the receivers would (unpublish, log, re-index, purge).
    Process-wide, like the blocks above: for a command or a test."""
    saved = []
    for signal in (pre_delete, post_delete):
        with signal.lock:
            saved.append((signal, signal.receivers))
            signal.receivers = []
            signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved:
            with signal.lock:
                signal.receivers = receivers + signal.receivers  # any connected meanwhile too
                signal.sender_receivers_cache.clear()


def insert_pages(pages):
    """Insert pages of any types: the wagtailcore_page rows, then each type's own table.

    Django's bulk_create refuses multi-table models: on PostgreSQL the ids are drawn from the
    sequence and each table is written with COPY; elsewhere the base rows are bulk-created
    (which returns their ids) and each type's table written with `_insert`, the insert
    Model.save itself makes."""
    if connection.vendor == "postgresql":
        for page, pk in zip(pages, _next_ids(Page, len(pages)), strict=True):
            page.id = pk
        _copy(Page, Page._meta.local_concrete_fields, pages)
    else:
        Page.objects.bulk_create(pages, batch_size=2000)
    by_model = defaultdict(list)
    for page in pages:
        page.page_ptr_id = page.id
        page._state.adding, page._state.db = False, connection.alias
        by_model[type(page)].append(page)
    for model, rows in by_model.items():
        if list(model._meta.parents) != [Page]:
            raise ValueError(f"{model._meta.label} is not a direct subclass of Page.")
        _insert(model, model._meta.local_concrete_fields, rows)


def insert_rows(model, rows):
    """Insert rows (dicts by column attname; other columns take their defaults) of a model with
    an automatic id, as bulk_create would but without a model instance per row (a third of
    the time for the through and child rows). No signals, as with bulk_create."""
    if not isinstance(model._meta.pk, models.AutoField):
        raise ValueError(f"{model._meta.label} has no automatic id.")
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults = [(field.attname, field.get_default) for field in fields]
    objs = [
        SimpleNamespace(**{name: row[name] if name in row else make() for name, make in defaults})
        for row in rows
    ]
    _insert(model, fields, objs)


def _insert(model, fields, objs):
    """Insert these objects' values of `fields` as they are (no pre_save, as for fixtures)."""
    if connection.vendor == "postgresql":
        _copy(model, fields, objs)
        return
    size = max(1, min(2000, connection.ops.bulk_batch_size(fields, objs)))
    for start in range(0, len(objs), size):
        model._base_manager._insert(objs[start : start + size], fields=fields, raw=True)


_PLAIN = (int, str, bool, float, datetime.date, datetime.datetime, uuid.UUID)


def _copy(model, fields, objs):
    """PostgreSQL's COPY of the objects' values: a fifth of the time of an INSERT of the same
    rows through the ORM. Values the driver takes as they are skip the fields' conversion."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    convert = [(field.attname, field.get_db_prep_save) for field in fields]
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            row = []
            for name, prepare in convert:
                value = getattr(obj, name)
                row.append(
                    value if value is None or type(value) in _PLAIN else prepare(value, connection)
                )
            copy.write_row(row)


def _next_ids(model, count):
    """`count` ids from the sequence of the model's table (PostgreSQL)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
