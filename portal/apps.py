from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Site-wide pieces: home page, standard pages, images, site settings."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from . import cache_purge

        cache_purge.connect()
