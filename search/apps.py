from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Faceted site search over the content apps (which never import it)."""

    name = "search"
    label = "portal_search"
    verbose_name = "Search"

    def ready(self):
        from portal import cache_purge

        from . import signals

        signals.connect()
        # Built from the whole index, so any publish changes them: the search pages and
        # their API, the feeds, the country pages and the public API (portal/urls.py).
        cache_purge.register_index_paths(trees=("/search/", "/feed/", "/countries/", "/api/"))
