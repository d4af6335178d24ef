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
        synchronize_relations()


def synchronize_relations():
    """Give every model that names `synchronized_relations` wagtail-localize's own field list
    plus those relations as synchronised fields, so a sync copies a source's new topics,
    countries and studies to its translations (wagtail-localize skips many-to-many)."""
    from django.apps import apps
    from wagtail_localize.fields import SynchronizedField, get_translatable_fields

    for model in apps.get_models():
        names = getattr(model, "synchronized_relations", ())
        if names and "translatable_fields" not in vars(model):
            derived = get_translatable_fields(model)
            model.translatable_fields = [*derived, *(SynchronizedField(n) for n in names)]
