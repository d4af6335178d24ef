"""Which content changes re-index which pages (queued in the same transaction)."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from portal import cache_purge
from portal.attachments.extraction import text_extracted
from portal.attachments.texts import pages_linking

from . import facets, promotions, store, synonyms
from .collect import indexed_models, is_indexed
from .documents import study_keys
from .indexing import pages_referencing, request_update
from .models import Synonym


def _with_dependants(page):
    """Pages whose documents carry this one as their study (outputs show its key, the slug of
    its default-locale page, and may inherit its countries) follow it."""
    return {page.pk} | pages_referencing("study", study_keys([page]))


@receiver(page_published)
@receiver(page_unpublished)
def page_changed(sender, instance, **kwargs):
    facets.forget_labels()  # it may be a study, whose title labels the study facet
    request_update(_with_dependants(instance))


@receiver(page_slug_changed)
def slug_changed(sender, instance, instance_before, **kwargs):
    facets.forget_labels()
    ids = _with_dependants(instance) | pages_referencing("study", [instance_before.slug])
    request_update(ids | set(instance.get_descendants().values_list("pk", flat=True)))


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    request_update({instance.pk, *instance.get_descendants().values_list("pk", flat=True)})


def _own_row(instance):
    """Whether this is the page itself, not a parent table's row of it (a deleted page sends
    a signal for each)."""
    return type(instance) is (instance.specific_class or Page)


def page_deleting(sender, instance, **kwargs):
    """Its documents leave through the store, which uncounts their words, before the
    cascade would delete them behind its back."""
    if _own_row(instance):
        store.delete_page(instance.pk)


def page_deleted(sender, instance, **kwargs):
    if _own_row(instance) and is_indexed(instance):
        facets.forget_labels()
        request_update(_with_dependants(instance))


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def privacy_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page:
        request_update({page.pk, *page.get_descendants().values_list("pk", flat=True)})


@receiver(post_save, sender=Synonym)
@receiver(post_delete, sender=Synonym)
@receiver(post_save, sender=SearchPromotion)
@receiver(post_delete, sender=SearchPromotion)
def answers_changed(sender, **kwargs):
    """Searches answer differently from now on: the cached rules, promoted queries and
    search pages go."""
    synonyms.forget()
    promotions.forget()
    cache_purge.purge_index()


@receiver(text_extracted)
def attachment_read(sender, document, **kwargs):
    """A PDF's text was read (or found to have none): the pages linking to it hold it."""
    request_update(pages_linking(document))


def attachment_deleted(sender, instance, **kwargs):
    request_update(pages_linking(instance))


# Taxonomy: documents hold codes and slugs (filters) and names (text), so renames re-index.
TAXONOMY = {"research.Country": ("country", "code"), "research.Topic": ("topic", "slug")}


def _taxonomy(sender):
    return TAXONOMY.get(sender._meta.label)


def taxonomy_before(sender, instance, **kwargs):
    if _taxonomy(sender) and instance.pk:
        instance._search_before = (
            sender.objects.filter(pk=instance.pk).values("name", _taxonomy(sender)[1]).first()
        )


def taxonomy_after(sender, instance, **kwargs):
    spec = _taxonomy(sender)
    before = getattr(instance, "_search_before", None)
    if not spec or not before:
        return
    facet, field = spec
    if kwargs.get("signal") is post_delete or before != {
        "name": instance.name,
        field: getattr(instance, field),
    }:
        request_update(pages_referencing(facet, [before[field]]))


def labels_changed(sender, **kwargs):
    """A country or topic (or a translation of one) was saved or deleted: labels are read
    afresh. Pages forget them when published, unpublished, renamed or deleted (above)."""
    facets.forget_labels()


def connect():
    """Connect the model signals to the indexed and taxonomy models only.

    Receivers for every model would stop Django's fast bulk deletes site-wide.
    """
    for model in indexed_models():
        label = model._meta.label
        pre_delete.connect(page_deleting, sender=model, dispatch_uid=f"search-deleting-{label}")
        post_delete.connect(page_deleted, sender=model, dispatch_uid=f"search-delete-{label}")
    pre_delete.connect(attachment_deleted, sender=get_document_model(), dispatch_uid="search-pdf")
    for label in TAXONOMY:
        model = apps.get_model(label)
        for signal, receiver_function in [
            (pre_save, taxonomy_before),
            (pre_delete, taxonomy_before),
            (post_save, taxonomy_after),
            (post_delete, taxonomy_after),
            (post_save, labels_changed),
            (post_delete, labels_changed),
        ]:
            uid = f"search-{signal}-{receiver_function.__name__}-{label}"  # two per signal
            signal.connect(receiver_function, sender=model, dispatch_uid=uid)
