"""The taxonomy as the newsletter's interests (registered in ResearchConfig.ready()).

Keys are language-independent (topic slugs, ISO codes); names are in the active language.
"""

from portal.newsletter.interests import Interests

from .models import Country, Topic, in_default_locale


def _by_name(labels):
    return sorted(labels.items(), key=lambda item: item[1].casefold())


class TaxonomyInterests(Interests):
    """Topics by slug and countries by ISO code, both in name order."""

    def topics(self):
        return _by_name(Topic.labels(Topic.objects.filter(in_default_locale()), key="slug"))

    def countries(self):
        return _by_name({c.code: c.label for c in Country.objects.all()})

    def topic_names(self, slugs):
        sources = Topic.objects.filter(in_default_locale(), slug__in=slugs)
        return Topic.labels(sources, key="slug")

    def country_names(self, codes):
        return {c.code: c.label for c in Country.objects.filter(code__in=codes)}
