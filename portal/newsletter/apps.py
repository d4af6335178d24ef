from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """Email updates: double opt-in signups, the subscriber list, and its sync to a provider."""

    name = "portal.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401 - connects its receivers
