"""The five facets: how their URL values are normalised and labelled.

Both backends count the same stored values; this module is the one place
that knows a country is filtered by its ISO code and shown by its name.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .documents import result_types


def _type_labels(values):
    """The facet's label of each type: what the page types declare (`search_result_type`)."""
    return {value: gettext(kind.plural) for value, kind in result_types().items()}


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

    def labels(self, values):
        values = set(values)
        found = self.labeller(values) if self.labeller else {}
        return {value: found.get(value) or value for value in values}


FACETS = (
    Facet("country", _("Country"), normalise=str.upper, labeller=_country_labels),
    Facet("topic", _("Topic"), labeller=_topic_labels),
    Facet("study", _("Study"), labeller=_study_labels),
    Facet("type", _("Type"), labeller=_type_labels),
    Facet("year", _("Year"), normalise=str.strip, order="value-desc"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
