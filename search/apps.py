from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Faceted site search over the content apps (which never import it)."""

    name = "search"
    label = "portal_search"
    verbose_name = "Search"

    def ready(self):
        from . import signals

        signals.connect()
