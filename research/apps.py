from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """Taxonomy, research areas, studies and their findings."""

    name = "research"
    verbose_name = "Research"

    def ready(self):
        """Hand the taxonomy to the site core, which never names it: the newsletter's
        interests, and the models whose change purges every cached page."""
        from portal import cache_purge
        from portal.newsletter import interests

        from .models import Country, Organization, Topic
        from .newsletter import TaxonomyInterests

        interests.register(TaxonomyInterests())
        cache_purge.register_site_wide_models(Country, Topic, Organization)
