"""An admin deleting a subscriber removes them at the provider too (through the outbox)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import outbox
from .models import Subscriber


@receiver(post_delete, sender=Subscriber)
def subscriber_deleted(sender, instance, **kwargs):
    if instance.confirmed_at:  # only confirmed subscribers ever reached the provider
        outbox.queue_provider_delete(instance.email)
