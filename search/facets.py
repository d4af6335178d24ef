"""The facets: how their URL values are normalised and labelled.

Both backends count the same stored values, which are the same in every language (ISO
codes, the default locale's slugs, language codes); this module is the one place that
knows a country is filtered by its ISO code and shown by its name in the reader's language.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
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
    rows = Country.objects.all() if values is None else Country.objects.filter(code__in=values)
    return {country.code: country.label for country in rows}


def _in_default_language():
    return languages.active() == languages.get(settings.LANGUAGE_CODE).code


def _topic_labels(values):
    """Facet values are the default locale's slugs; names are the active language's."""
    Topic = apps.get_model("research", "Topic")
    sources = Topic.objects.filter(locale__language_code=settings.LANGUAGE_CODE)
    if values is not None:
        sources = sources.filter(slug__in=values)
    if _in_default_language():
        return dict(sources.values_list("slug", "name"))
    return Topic.labels(sources, "slug")


def _study_labels(values):
    """A study's value is its default-locale page's slug; its label is the title of its
    translation in the active language, when there is one. (`values` None: every study.)"""
    # Page rows of the study type, not StudyPage's join: when the slugs leave out the newest
    # study, PostgreSQL merge-joined the two by id and read the whole page table (55 ms at
    # 200,000 pages, against 4 ms through the slug index).
    studies = Page.objects.type(apps.get_model("research", "StudyPage")).order_by()
    sources = {}  # slug -> (translation_key, title), the default locale's page first
    rows = (studies if values is None else studies.filter(slug__in=values)).values_list(
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


# Taxonomy labels are read on every search (a country's name, a study's title) and change
# rarely: each facet's whole map is cached per language, and forgotten when one changes
# (search/signals.py). Labelling was a third of an OpenSearch answer's time.
CACHED_LABELS = ("country", "topic", "study")
LABELS_TIMEOUT = 3600


def _labels_key(name, code):
    return f"search:labels:{name}:{code}"


def labels(values_by_facet):
    """{facet name: {value: label}} of these values, in the active language; the taxonomy's
    maps in one cache read, a value the cached map lacks looked up on its own."""
    keys = {name: _labels_key(name, languages.active()) for name in CACHED_LABELS}
    cached = cache.get_many(keys.values())
    found = {}
    for facet in FACETS:
        values = set(values_by_facet.get(facet.name, ()))
        if facet.name not in keys:
            found[facet.name] = facet.labels(values)
            continue
        known = cached.get(keys[facet.name])
        if known is None:
            known = {value: str(label) for value, label in facet.labeller(None).items()}
            cache.set(keys[facet.name], known, LABELS_TIMEOUT)
        missing = values - known.keys()
        found[facet.name] = {
            **{value: known[value] for value in values & known.keys()},
            **(facet.labels(missing) if missing else {}),
        }
    return found


def forget_labels():
    """A country, topic or study changed: its label is read afresh in every language."""
    cache.delete_many([_labels_key(n, code) for n in CACHED_LABELS for code in languages.codes()])


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
