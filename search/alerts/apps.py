from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Email alerts for any search: a reader follows a search and gets what is new in it."""

    name = "search.alerts"
    label = "search_alerts"
    verbose_name = "Search alerts"

    def ready(self):
        from portal.newsletter import listings, schedule

        from . import digests
        from .listings import SearchListings

        schedule.register("search alerts", digests.send_due)
        listings.register(SearchListings())
