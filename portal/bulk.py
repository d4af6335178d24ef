"""Bulk loads (the demo and its translations, the benchmark corpus) without Wagtail's
per-save index work.

Wagtail 8 queues a reference-index and an admin-search update on every save, and a page is
saved several times as it is created, translated and published: the demo's translations
spent a third of their time there. Within these blocks nothing is queued per save.
"""

from collections import defaultdict
from contextlib import contextmanager

from django.db.models.signals import post_save
from wagtail.models import ReferenceIndex
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
