"""Countries, topics and organizations: plain models managed as snippets."""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

# UN M49 sub-regions where the programme's countries sit, plus a catch-all.
REGION_CHOICES = [
    ("eastern-africa", "Eastern Africa"),
    ("middle-africa", "Middle Africa"),
    ("northern-africa", "Northern Africa"),
    ("southern-africa", "Southern Africa"),
    ("western-africa", "Western Africa"),
    ("asia", "Asia"),
    ("latin-america-caribbean", "Latin America and the Caribbean"),
    ("other", "Other"),
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
                r"^[A-Za-z]{2}$", "Enter the two-letter ISO 3166-1 alpha-2 code, e.g. ML."
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
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """The country's page (everything about it), served by the search app."""
        return reverse("country", args=[self.code.lower()])

    def clean(self):
        # Editors type "ml"; the standard (and the URLs) use upper case.
        self.code = (self.code or "").strip().upper()


class Topic(index.Indexed, models.Model):
    """A subject researchers and policymakers browse by (costing, M&E, policy)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, blank=True)
    description = models.TextField(blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)


class Organization(index.Indexed, models.Model):
    """An implementing partner, funder or collaborator."""

    name = models.CharField(max_length=255, unique=True)
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

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name
