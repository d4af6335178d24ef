from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """Email updates: double opt-in signups, the subscriber list, and its sync to a provider."""

    name = "portal.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import schedule, signals, updates  # signals connects its receivers

        schedule.register("updates", updates.send_due)
        assert signals
