from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    """The text of uploaded PDFs, extracted in the background for search."""

    name = "portal.attachments"
    label = "attachments"
    verbose_name = "Document text"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (documents queue their text when their file changes)
