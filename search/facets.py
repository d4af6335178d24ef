"""The five facets: how their URL values are normalised and labelled.

Both backends count the same stored values; this module is the one place
that knows a country is filtered by its ISO code and shown by its name.
"""

from dataclasses import dataclass, field

from django.apps import apps

TYPE_LABELS = {
    "study": "Studies",
    "findings": "Findings and lessons learned",
    "brief": "Policy briefs",
    "article": "Journal articles",
    "news": "News",
    "research-area": "Research areas",
}

TYPE_NAMES = {
    "study": "Study",
    "findings": "Findings",
    "brief": "Policy brief",
    "article": "Journal article",
    "news": "News",
    "research-area": "Research area",
}


def _country_labels(values):
    Country = apps.get_model("research", "Country")
    return dict(Country.objects.filter(code__in=values).values_list("code", "name"))


def _topic_labels(values):
    Topic = apps.get_model("research", "Topic")
    return dict(Topic.objects.filter(slug__in=values).values_list("slug", "name"))


def _study_labels(values):
    StudyPage = apps.get_model("research", "StudyPage")
    return dict(StudyPage.objects.filter(slug__in=values).values_list("slug", "title"))


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter and the stored facet name
    label: str
    normalise: callable = str.lower
    labeller: callable = None
    order: str = "count"  # "count" (most first) or "value-desc" (years)
    fixed_labels: dict = field(default_factory=dict)

    def labels(self, values):
        values = set(values)
        found = self.labeller(values) if self.labeller else {}
        return {
            value: found.get(value) or self.fixed_labels.get(value) or value for value in values
        }


FACETS = (
    Facet("country", "Country", normalise=str.upper, labeller=_country_labels),
    Facet("topic", "Topic", labeller=_topic_labels),
    Facet("study", "Study", labeller=_study_labels),
    Facet("type", "Type", fixed_labels=TYPE_LABELS),
    Facet("year", "Year", normalise=str.strip, order="value-desc"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
