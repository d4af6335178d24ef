from django.apps import AppConfig


class EdgeConfig(AppConfig):
    """The edge cache in front: surrogate keys on responses, and purges that are not lost."""

    name = "portal.edge"
    label = "edge"
    verbose_name = "Edge cache"
    default_auto_field = "django.db.models.BigAutoField"
