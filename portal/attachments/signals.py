"""A document whose file is new or replaced is queued to be read; other edits are not."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.documents import get_document_model

from . import extraction
from .models import DocumentText


@receiver(post_save, sender=get_document_model())
def document_saved(sender, instance, raw=False, **kwargs):
    if raw or not instance.file:
        return
    read = DocumentText.objects.filter(document=instance).values_list("source", flat=True)
    if read.first() != extraction.source_of(instance):
        extraction.queue(instance)
