"""The facets: how their URL values are normalised and labelled.

Both backends count the same stored values, which are the same in every language (ISO
codes, the default locale's slugs, language codes); this module is the one place that
knows a country is filtered by its ISO code and shown by its name in the reader's language.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from . import languages
from .collect import result_types


def _language_labels(values):
    """Each language by its own name ("Français"), whatever the page's language."""
    return {language.code: language.name for language in languages.languages()}


def _type_labels(values):
    """The facet's label of each type: what the page types declare (`search_result_type`)."""
    return {value: gettext(kind.plural) for value, kind in result_types().items()}


def _country_labels(values):
    Country = apps.get_model("research", "Country")
    return {country.code: country.label for country in Country.objects.filter(code__in=values)}


def _in_default_language():
    return languages.active() == languages.get(settings.LANGUAGE_CODE).code


def _topic_labels(values):
    """Facet values are the default locale's slugs; names are the active language's."""
    Topic = apps.get_model("research", "Topic")
    sources = Topic.objects.filter(slug__in=values, locale__language_code=settings.LANGUAGE_CODE)
    if _in_default_language():
        return dict(sources.values_list("slug", "name"))
    return Topic.labels(sources, "slug")


def _study_labels(values):
    """A study's value is its default-locale page's slug; its label is the title of its
    translation in the active language, when there is one."""
    # Page rows of the study type, not StudyPage's join: when the slugs leave out the newest
    # study, PostgreSQL merge-joined the two by id and read the whole page table (55 ms at
    # 200,000 pages, against 4 ms through the slug index).
    studies = Page.objects.type(apps.get_model("research", "StudyPage")).order_by()
    sources = {}  # slug -> (translation_key, title), the default locale's page first
    rows = studies.filter(slug__in=values).values_list(
        "slug", "translation_key", "title", "locale__language_code"
    )
    for slug, key, title, code in rows:
        if slug not in sources or code == settings.LANGUAGE_CODE:
            sources[slug] = (key, title)
    translated = {}
    if sources and not _in_default_language():
        translated = dict(
            studies.filter(
                translation_key__in=[key for key, _title in sources.values()],
                locale=Locale.get_active(),
            ).values_list("translation_key", "title")
        )
    return {slug: translated.get(key, title) for slug, (key, title) in sources.items()}


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter and the stored facet name
    label: str
    normalise: callable = str.lower
    labeller: callable = None
    order: str = "count"  # "count" (most first) or "value-desc" (years)
    choices: callable = None  # the only values it takes (others are a 400), if limited

    def labels(self, values):
        values = set(values)
        found = self.labeller(values) if self.labeller else {}
        return {value: str(found.get(value) or value) for value in values}


LANGUAGE = "lang"
FACETS = (
    Facet(LANGUAGE, _("Language"), labeller=_language_labels, choices=languages.codes),
    Facet("country", _("Country"), normalise=str.upper, labeller=_country_labels),
    Facet("topic", _("Topic"), labeller=_topic_labels),
    Facet("study", _("Study"), labeller=_study_labels),
    Facet("type", _("Type"), labeller=_type_labels),
    Facet("year", _("Year"), normalise=str.strip, order="value-desc"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
