from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """Email updates: double opt-in signups, the subscriber list, and its sync to a provider."""

    name = "portal.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # signals and tracking connect their receivers
        from . import schedule, signals, tracking, updates  # noqa: F401

        schedule.register("updates", updates.send_due)
