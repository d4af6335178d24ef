"""The taxonomy as the newsletter's interests (registered in ResearchConfig.ready())."""

from portal.newsletter.interests import Interests

from .models import Country, Topic


class TaxonomyInterests(Interests):
    """Topics by slug and countries by ISO code, both in name order."""

    def topics(self):
        return [(t.slug, t.name) for t in Topic.objects.order_by("name")]

    def countries(self):
        return [(c.code, c.name) for c in Country.objects.order_by("name")]

    def topic_names(self, slugs):
        return dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "name"))

    def country_names(self, codes):
        return dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
