"""Research areas, studies, findings, the publications index and partners."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework.fields import ReadOnlyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin, get_page_models
from wagtail.search import index

from portal.blocks import RICH_TEXT_FEATURES, BaseStreamBlock
from portal.i18n import in_language, one_per_translation
from portal.models import KeptViewRestrictions, ListingPage, OrderedTextItem, listing_sort_key

from ..forms import StudyPageForm
from .mixins import OutputMixin, ResultType, TaxonomyMixin
from .taxonomy import Topic

# A study's status, as its facts show it.
STUDY_STATUS_LABELS = {
    "ongoing": _("Ongoing"),
    "completed": _("Completed"),
    "planned": _("Planned"),
}


def live_outputs(**filters):
    """Live public outputs of every type matching `filters`, newest first.

    Generic over page types: any page model with the output fields counts,
    so research needs no import from the apps that add output types.
    """
    private = Page.objects.all().private_q()  # the view restrictions, read once for every type
    results = []
    for model in get_page_models():
        if issubclass(model, OutputMixin):
            found = model.objects.live().exclude(private).filter(**filters).distinct()
            results.extend(found.select_related("locale"))
    return sorted(results, key=listing_sort_key, reverse=True)


class PageLink(TranslatableMixin, Orderable):
    """A link to another page, in the editor's order, with an optional (translatable) label."""

    link_page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(
        max_length=255, blank=True, help_text="Optional; defaults to the page title."
    )

    panels = [FieldPanel("link_page"), FieldPanel("label")]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        abstract = True

    @property
    def target(self):
        """The linked page in the reader's language, where it is translated."""
        return in_language([self.link_page])[0]

    @property
    def text(self):
        return self.label or self.target.title


# --- Research areas ---------------------------------------------------------


class ResearchAreaIndexPage(KeptViewRestrictions, Page):
    """The "Research Areas" index below home; lists the top-level research areas."""

    type_name = gettext_noop("Research areas")

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["research.ResearchAreaPage"]
    max_count = 1

    def areas(self):
        return self.get_children().live().public().specific()


class ResearchAreaPage(TaxonomyMixin, Page):
    """A research area (can nest): intro, its studies as cards, its outputs."""

    search_result_type = ResultType(
        "research-area", gettext_noop("Research area"), gettext_noop("Research areas")
    )

    intro = RichTextField(features=RICH_TEXT_FEATURES)
    body = StreamField(BaseStreamBlock(), blank=True)
    sharing_intro = RichTextField(
        "sharing results introduction",
        blank=True,
        features=["bold", "italic", "link"],
        help_text="Shown under “Sharing Results and Lessons Learned”.",
    )
    partners_page = models.ForeignKey(
        "research.CollaborativeEffortsPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown under “Collaborative Efforts”.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        InlinePanel("summary_links", heading="Study summaries", label="Summary"),
        MultiFieldPanel(
            [FieldPanel("sharing_intro"), InlinePanel("sharing_links", label="Link")],
            heading="Sharing results and lessons learned",
        ),
        FieldPanel("partners_page"),
        *TaxonomyMixin.taxonomy_panels(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro", boost=2),
        index.SearchField("body"),
        index.SearchField("sharing_intro"),
    ]

    parent_page_types = ["research.ResearchAreaIndexPage", "research.ResearchAreaPage"]
    subpage_types = [
        "research.ResearchAreaPage",
        "research.StudyPage",
        "research.FindingsPage",
        "research.CollaborativeEffortsPage",
    ]

    api_fields = [*TaxonomyMixin.api_fields, APIField("intro")]

    class Meta:
        verbose_name = _("research area page")

    def subareas(self):
        return self.get_children().live().public().type(ResearchAreaPage).specific()

    def studies(self):
        """Live studies anywhere below this area, in tree order."""
        return (
            StudyPage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("hero_image")
            .prefetch_related("implementers__organization", "locations__country", "objectives")
        )

    def related_outputs(self):
        """Outputs of this area's studies (or of their translations: outputs point at the
        studies editors chose), one per translation, in the reader's language where there."""
        keys = self.studies().values("translation_key")
        return one_per_translation(live_outputs(studies__translation_key__in=keys))


class ResearchAreaSummary(PageLink):
    page = ParentalKey(ResearchAreaPage, on_delete=models.CASCADE, related_name="summary_links")


class ResearchAreaLink(PageLink):
    page = ParentalKey(ResearchAreaPage, on_delete=models.CASCADE, related_name="sharing_links")


# --- Studies ----------------------------------------------------------------


class StudyPage(TaxonomyMixin, Page):
    """A study under its research area: aim, objectives, who, where, when."""

    search_result_type = ResultType("study", gettext_noop("Study"), gettext_noop("Studies"))

    aim = models.TextField("aim / purpose", help_text="What the study set out to do.")
    objectives_intro = models.CharField(
        max_length=255,
        blank=True,
        default="Specific objectives included:",
        help_text="The line before the list.",
    )
    start_month = models.DateField(help_text="YYYY-MM")
    end_month = models.DateField(
        null=True, blank=True, help_text="YYYY-MM; empty while the study is running."
    )
    hero_image = models.ForeignKey(
        "portal.PortalImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_caption = models.CharField(
        max_length=255, blank=True, help_text="Optional; defaults to the image's caption."
    )
    hero_credit = models.CharField(
        max_length=120, blank=True, help_text="Optional; defaults to the image's credit."
    )
    body = StreamField(BaseStreamBlock(), blank=True)

    base_form_class = StudyPageForm
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("hero_caption"), FieldPanel("hero_credit")]),
            ],
            heading="Photo",
        ),
        FieldPanel("aim"),
        FieldPanel("objectives_intro"),
        InlinePanel("objectives", label="Objective", heading="Objectives"),
        InlinePanel(
            "implementers", label="Implementing organization", heading="Implemented by", min_num=1
        ),
        InlinePanel("locations", label="Country", heading="Location", min_num=1),
        FieldRowPanel([FieldPanel("start_month"), FieldPanel("end_month")], heading="Timeline"),
        FieldPanel("body"),
        *TaxonomyMixin.taxonomy_panels(countries=False),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("aim", boost=2),
        index.SearchField("body"),
        index.RelatedFields("objectives", [index.SearchField("text")]),
    ]

    parent_page_types = ["research.ResearchAreaPage"]
    subpage_types = ["research.FindingsPage"]

    class Meta:
        verbose_name = _("study page")

    def clean(self):
        super().clean()
        if self.start_month:
            self.start_month = self.start_month.replace(day=1)
        if self.end_month:
            self.end_month = self.end_month.replace(day=1)
        if self.start_month and self.end_month and self.end_month < self.start_month:
            raise ValidationError(
                {"end_month": _("The end month must not be before the start month.")}
            )

    def full_clean(self, *args, **kwargs):
        # `countries` (shared by every page type) follows the ordered Location list.
        self.countries.set(
            [location.country for location in self.locations.all() if location.country_id]
        )
        super().full_clean(*args, **kwargs)

    def country_list(self):
        self._fetch_related()
        return [location.country for location in self.locations.all()]

    def search_studies(self):
        return [self]

    @property
    def search_date(self):
        """A study is dated by when it started."""
        return self.start_month

    def implementer_list(self):
        self._fetch_related()
        return [item.organization for item in self.implementers.all()]

    def api_timeline(self):
        with translation.override(self.locale.language_code):  # the API has no prefix
            text = self.timeline
        return {
            "start": self.start_month.strftime("%Y-%m") if self.start_month else None,
            "end": self.end_month.strftime("%Y-%m") if self.end_month else None,
            "text": text,
            "status": self.status,
        }

    api_fields = [
        *TaxonomyMixin.api_fields,
        APIField("aim"),
        APIField("objectives", serializer=ReadOnlyField(source="api_objectives")),
        APIField("implementers", serializer=ReadOnlyField(source="api_implementers")),
        APIField("timeline", serializer=ReadOnlyField(source="api_timeline")),
    ]
    api_listing_fields = ["countries", "topics", "timeline"]
    api_prefetch = ["locations__country", "topics", "implementers__organization", "objectives"]

    def get_context(self, request, *args, **kwargs):
        """Fetch what the page, its facts and its metadata read once, not once per use, and
        only when a fragment is rendered (not in previews, whose unsaved child objects live in
        memory)."""
        self._fetch_on_use = bool(self.pk) and not getattr(request, "is_preview", False)
        return super().get_context(request, *args, **kwargs)

    def _fetch_related(self):
        """The prefetch get_context asked for, on first use: four queries for the whole page."""
        if getattr(self, "_fetch_on_use", False):
            self._fetch_on_use = False
            locations = models.Prefetch(
                "locations", StudyLocation.objects.select_related("country")
            )
            implementers = models.Prefetch(
                "implementers", StudyImplementer.objects.select_related("organization__locale")
            )
            topics = models.Prefetch("topics", Topic.objects.select_related("locale"))
            prefetch_related_objects([self], locations, implementers, topics, "objectives")

    def objective_list(self):
        self._fetch_related()
        return list(self.objectives.all())

    def topic_list(self):
        self._fetch_related()
        return super().topic_list()

    @property
    def og_image(self):
        return self.hero_image

    def structured_data(self, request):
        """schema.org ResearchProject: the study, where it ran, when, and who carried it out."""
        data = {
            "@type": "ResearchProject",
            "name": self.title,
            "description": self.aim,
            "url": self.get_full_url(request),
            "areaServed": [
                {"@type": "Country", "name": c.label, "identifier": c.code}
                for c in self.country_list()
            ],
            "member": [{"@type": "Organization", "name": o.label} for o in self.implementer_list()],
        }
        if self.start_month:
            data["foundingDate"] = self.start_month.strftime("%Y-%m")
        if self.end_month:
            data["dissolutionDate"] = self.end_month.strftime("%Y-%m")
        return data

    def api_objectives(self):
        return [objective.text for objective in self.objective_list()]

    def api_implementers(self):
        return [organization.name for organization in self.implementer_list()]

    @property
    def status(self):
        """ "ongoing", "completed" or "planned", from the timeline and today's date."""
        today = datetime.date.today().replace(day=1)
        if self.start_month and self.start_month > today:
            return "planned"
        if self.end_month and self.end_month < today:
            return "completed"
        return "ongoing"

    @property
    def status_label(self):
        return STUDY_STATUS_LABELS[self.status]

    @property
    def timeline(self):
        """The seed's wording: "March 2011 to September 2014", in the active language."""
        start = date_format(self.start_month, "YEAR_MONTH_FORMAT") if self.start_month else ""
        if not self.end_month:
            return gettext("%(start)s onwards") % {"start": start} if start else ""
        end = date_format(self.end_month, "YEAR_MONTH_FORMAT")
        return gettext("%(start)s to %(end)s") % {"start": start, "end": end}

    @property
    def caption(self):
        return self.hero_caption or (self.hero_image.caption if self.hero_image else "")

    @property
    def credit(self):
        return self.hero_credit or (self.hero_image.credit if self.hero_image else "")

    @cached_property
    def outputs(self):
        """Every live output that names this study or a translation of it, newest first, one
        per translation (the reader's language where there is one)."""
        return one_per_translation(live_outputs(studies__translation_key=self.translation_key))

    def cache_dependents(self):
        """Outputs name their study: a change here purges them (portal.cache_purge)."""
        return self.outputs


class StudyObjective(OrderedTextItem):
    page = ParentalKey(StudyPage, on_delete=models.CASCADE, related_name="objectives")


class StudyImplementer(Orderable):
    """An implementing organization, in the order the study names them."""

    page = ParentalKey(StudyPage, on_delete=models.CASCADE, related_name="implementers")
    organization = models.ForeignKey(
        "research.Organization", on_delete=models.PROTECT, related_name="+"
    )

    panels = [FieldPanel("organization")]


class StudyLocation(Orderable):
    """A country the study ran in, in the order the study lists them."""

    page = ParentalKey(StudyPage, on_delete=models.CASCADE, related_name="locations")
    country = models.ForeignKey("research.Country", on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("country")]


# --- Outputs and listings -----------------------------------------------------


class FindingsPage(OutputMixin, Page):
    """Lessons learned or study findings, under a research area, study or the publications index."""

    search_result_type = ResultType(
        "findings", gettext_noop("Findings"), gettext_noop("Findings and lessons learned")
    )

    CATEGORY_CHOICES = [
        ("study-summary", _("Study summary")),
        ("lessons-learned", _("Lessons learned")),
        ("findings", _("Findings")),
    ]
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, default="study-summary")
    summary = models.TextField(
        max_length=1000, help_text="One paragraph; shown in listings and search results."
    )
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("category"),
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("body"),
        *OutputMixin.taxonomy_panels(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
    ]

    parent_page_types = [
        "research.PublicationIndexPage",
        "research.ResearchAreaPage",
        "research.StudyPage",
    ]
    subpage_types = []

    api_fields = [*OutputMixin.api_fields, APIField("category"), APIField("summary")]

    class Meta:
        verbose_name = _("findings page")


class PublicationIndexPage(ListingPage):
    """The "Publications" index: the programme's outputs, newest first."""

    type_name = gettext_noop("Publications")
    empty_text = _("No publications have been published yet.")


class CollaborativeEffortsPage(KeptViewRestrictions, Page):
    """The "Collaborative Efforts" page: the partners the programme works with."""

    type_name = gettext_noop("Collaborative efforts")

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("partners", label="Partner", heading="Partners"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["portal.HomePage", "research.ResearchAreaPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("collaborative efforts page")


class Partner(TranslatableMixin, Orderable):
    """A partner organization and what it does with the programme."""

    page = ParentalKey(CollaborativeEffortsPage, on_delete=models.CASCADE, related_name="partners")
    organization = models.ForeignKey(
        "research.Organization", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        max_length=255, blank=True, help_text="E.g. “Implemented Costing of iCCM”."
    )

    panels = [FieldPanel("organization"), FieldPanel("role")]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        pass
