from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Email alerts for any search: a reader follows a search and gets what is new in it."""

    name = "search.alerts"
    label = "search_alerts"
    verbose_name = "Search alerts"

    def ready(self):
        from portal.newsletter import listings, personal_data, schedule

        from . import digests, following
        from .listings import SearchListings

        schedule.register("search alerts", digests.send_due)
        listings.register(SearchListings())
        personal_data.register("search alerts", following.export_alerts, following.erase_alerts)
