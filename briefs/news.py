"""News updates from the communications team, and the legacy import's record of what it made.

Models of the briefs app (imported by briefs.models)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import BaseStreamBlock
from portal.models import ListingPage
from research.models import OutputMixin, ResultType


class NewsIndexPage(ListingPage):
    """The "News" index: updates from the communications team, newest first."""

    type_name = gettext_noop("News")
    subpage_types = ["briefs.NewsPage"]
    empty_text = _("No updates have been published yet.")

    class Meta:
        verbose_name = _("news index page")


class NewsPage(OutputMixin, Page):
    """A dated update from the communications team."""

    search_result_type = ResultType("news", gettext_noop("News"), gettext_noop("News"))

    date = models.DateField(default=timezone.localdate, help_text="The date of the update.")
    summary = models.TextField(
        max_length=600, help_text="One or two sentences for listings and previews."
    )
    hero_image = models.ForeignKey(
        "portal.PortalImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        *OutputMixin.taxonomy_panels(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
    ]
    parent_page_types = ["briefs.NewsIndexPage"]
    subpage_types = []

    api_fields = [*OutputMixin.api_fields, APIField("summary")]

    @property
    def og_image(self):
        return self.hero_image

    class Meta:
        verbose_name = _("news page")


class LegacyImport(models.Model):
    """Which page a record of the old site's export became, so importing again updates it."""

    legacy_id = models.CharField(max_length=200, unique=True)
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.legacy_id} → {self.page_id}"
