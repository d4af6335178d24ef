from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Site search. For now Wagtail's own page search; faceted search replaces it."""

    name = "search"
    label = "portal_search"
    verbose_name = "Search"
