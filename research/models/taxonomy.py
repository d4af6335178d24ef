"""Countries, topics and organizations, managed as snippets.

Topics and organizations are translatable snippets (wagtail-localize): a translation shares
its source's translation_key and slug, and pages keep pointing at the source, so a filter by
topic means the same in every language. Countries are not: their names in French and
Portuguese come from the ISO 3166 translations pycountry ships.
"""

import gettext
from functools import cache

import pycountry
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField


@cache
def _iso3166(language):
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code, language, default=""):
    """The country's ISO 3166 name in `language` (pycountry's translations), or `default`."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return default
    name = getattr(country, "common_name", None) or country.name
    return _iso3166((language or "en").split("-")[0]).gettext(name)


# UN M49 sub-regions where the programme's countries sit, plus a catch-all.
REGION_CHOICES = [
    ("eastern-africa", _("Eastern Africa")),
    ("middle-africa", _("Middle Africa")),
    ("northern-africa", _("Northern Africa")),
    ("southern-africa", _("Southern Africa")),
    ("western-africa", _("Western Africa")),
    ("asia", _("Asia")),
    ("latin-america-caribbean", _("Latin America and the Caribbean")),
    ("other", _("Other")),
]


class Country(index.Indexed, models.Model):
    """A country studies run in and outputs are about, keyed by ISO 3166-1 alpha-2."""

    name = models.CharField(max_length=100, unique=True)
    code = models.CharField(
        "ISO code",
        max_length=2,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z]{2}$", _("Enter the two-letter ISO 3166-1 alpha-2 code, e.g. ML.")
            )
        ],
        help_text="ISO 3166-1 alpha-2, e.g. ML for Mali.",
    )
    region = models.CharField(max_length=40, choices=REGION_CHOICES, blank=True)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("region")]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("code"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """The country's page (everything about it), served by the search app."""
        return reverse("country", args=[self.code.lower()])

    @property
    def label(self):
        """The name readers see in the active language; the editor's name in English."""
        language = (get_language() or "en").split("-")[0]
        if language == "en":
            return self.name
        return country_name(self.code, language, default=self.name)

    def clean(self):
        # Editors type "ml"; the standard (and the URLs) use upper case.
        self.code = (self.code or "").strip().upper()


def in_default_locale():
    """What pages may point at: the default locale's topics and organizations (their
    translations are labels, not separate choices)."""
    return models.Q(locale__language_code=settings.LANGUAGE_CODE)


class LabelledTranslatable(TranslatableMixin):
    """A translatable snippet whose `label` is its name in the active language."""

    @property
    def label(self):
        """Its name in the active language; no query when its locale was fetched with it and is
        the active one (a study's facts select it)."""
        locale = self._state.fields_cache.get("locale")
        try:
            if locale is not None and locale.language_code == (
                get_supported_content_language_variant(get_language())
            ):
                return self.name
        except LookupError:
            pass
        return self.localized.name

    @classmethod
    def labels(cls, sources, key):
        """{getattr(source, key): name in the active language} for many sources, in two
        queries (the sources, and their translations into the active locale)."""
        sources = list(sources)
        names = {}
        if sources:
            active = Locale.get_active()
            names = dict(
                cls.objects.filter(
                    translation_key__in=[s.translation_key for s in sources], locale=active
                ).values_list("translation_key", "name")
            )
        return {getattr(s, key): names.get(s.translation_key, s.name) for s in sources}

    class Meta(TranslatableMixin.Meta):
        abstract = True


class Topic(LabelledTranslatable, index.Indexed, models.Model):
    """A subject researchers and policymakers browse by (costing, M&E, policy)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    # The slug is the topic's key in URLs and facets, the same in every language.
    translatable_fields = [
        TranslatableField("name"),
        SynchronizedField("slug"),
        TranslatableField("description"),
    ]

    class Meta(LabelledTranslatable.Meta):
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["locale", "name"], name="topic_name_per_locale"),
            models.UniqueConstraint(fields=["locale", "slug"], name="topic_slug_per_locale"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)


class Organization(LabelledTranslatable, index.Indexed, models.Model):
    """An implementing partner, funder or collaborator."""

    name = models.CharField(max_length=255)
    acronym = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    logo = models.ForeignKey(
        "portal.PortalImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldPanel("acronym"), FieldPanel("website"), FieldPanel("logo")]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("acronym"),
        index.AutocompleteField("name"),
    ]

    class Meta(LabelledTranslatable.Meta):
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["locale", "name"], name="organization_name_per_locale")
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name
