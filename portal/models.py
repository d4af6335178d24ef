"""Site-wide models: home and standard pages, the image model, site settings."""

import os
import secrets

from django.conf import settings
from django.core.paginator import Paginator
from django.core.validators import URLValidator
from django.db import models
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from . import loading
from .blocks import RICH_TEXT_FEATURES, BaseStreamBlock
from .i18n import in_language
from .sites import KeptRoot

# --- Images -----------------------------------------------------------------


class PortalImage(AbstractImage):
    """An image that always carries alt text, and the caption and credit shown under it."""

    alt_text = models.CharField(
        max_length=255,
        help_text="Describe the image for people who cannot see it (required).",
    )
    caption = models.CharField(max_length=255, blank=True)
    credit = models.CharField(max_length=120, blank=True, help_text='For example "Photoshare".')

    admin_form_fields = (
        "title",
        "file",
        "alt_text",
        "caption",
        "credit",
        "collection",
        "tags",
        "focal_point_x",
        "focal_point_y",
        "focal_point_width",
        "focal_point_height",
    )

    search_fields = AbstractImage.search_fields + [
        index.SearchField("alt_text"),
        index.SearchField("caption"),
    ]

    def get_upload_to(self, filename):
        """A random name: an uploader's file name may be personal, misleading or hostile; only its
        (validated) extension is kept. Renditions are named after it, so they leak nothing
        either."""
        extension = os.path.splitext(filename)[1].lower()
        if extension.lstrip(".") not in settings.WAGTAILIMAGES_EXTENSIONS:
            extension = ""
        return f"original_images/{secrets.token_hex(16)}{extension}"

    @property
    def default_alt_text(self):
        return self.alt_text or super().default_alt_text

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")
        permissions = [("choose_image", "Can choose image")]


class PortalRendition(AbstractRendition):
    image = models.ForeignKey(PortalImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


# --- Shared pieces ------------------------------------------------------------


class OrderedTextItem(TranslatableMixin, Orderable):
    """One line of an ordered list held on a page (objectives, key messages); translatable
    with its page, so a translation keeps each line's translation_key."""

    text = models.TextField()

    panels = [FieldPanel("text")]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        abstract = True

    def __str__(self):
        return self.text


class KeptViewRestrictions:
    """A page mixin (before Page): the view restrictions on it and its ancestors, which Wagtail
    checks on every serve with two queries, kept per page and site version. Restrictions,
    moves and deletions purge the site (cache_purge); a page's ancestors change only by a
    move. Returns a queryset, as Page's does, evaluated from the cache."""

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        from .cache_purge import kept, site_version

        if not self.pk:
            return super().get_view_restrictions()
        key = f"fragment:view-restrictions:{self.pk}:{site_version()}"
        found = kept(key, lambda: list(super(KeptViewRestrictions, self).get_view_restrictions()))
        restrictions = PageViewRestriction.objects.filter(pk__in=[r.pk for r in found])
        restrictions._result_cache = found  # iterating reads these; a new query reads the table
        return restrictions


class ListingPage(KeptViewRestrictions, Page):
    """Base for index pages: an intro, then live children newest first, 20 to a page.

    Each subclass has its own template (Wagtail names it); they extend
    portal/listing_page.html.

    "Newest" is an item's `date`; items without one go last (the day a page went
    online is not its date, and is never shown as one).
    """

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    per_page = 20
    empty_text = _("Nothing has been published here yet.")

    class Meta:
        abstract = True

    def listing_items(self):
        children = list(self.get_children().live().public().specific())
        return sorted(children, key=listing_sort_key, reverse=True)

    def get_context(self, request, *args, **kwargs):
        """The listing comes from settings.PORTAL_LISTING (the search app's faceted one), if set."""
        context = super().get_context(request, *args, **kwargs)
        provider = loading.load("PORTAL_LISTING")
        if provider:
            context.update(provider(self, request))
        else:
            context["listing"] = Paginator(self.listing_items(), self.per_page).get_page(
                request.GET.get("page")
            )
            context["listing_template"] = "portal/includes/listing.html"
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        response.status_code = response.context_data.pop("status", 200)
        if getattr(response.context_data.get("results"), "fallback", ""):
            patch_cache_control(response, no_cache=True)  # a degraded answer: keep it nowhere
        return response


def listing_sort_key(page):
    """Sort key for "newest first": (has a date, the date, title)."""
    date = getattr(page, "date", None)  # a known date only: when it went online is not one
    return (date is not None, date or "", page.title)


# --- Pages ------------------------------------------------------------------


class HomePage(KeptRoot, KeptViewRestrictions, Page):
    """The site root: an introduction and the pages the team features."""

    type_name = gettext_noop("Home")  # on a card (types that are searched use their result name)

    def structured_data(self, request):
        """The programme as a schema.org Organization, with its social profiles."""
        site = self.get_site()
        settings = SiteSettings.for_request(request)
        data = {
            "@type": "Organization",
            "name": site.site_name if site else self.title,
            "url": self.get_full_url(request),
        }
        same_as = [url for _, url in settings.social_links]
        return {**data, "sameAs": same_as} if same_as else data

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("featured_pages", label="Featured pages", heading="Featured pages"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Page.route's walk (each component a child's slug), with the pages on the path read in
        one query instead of two per level. A page with its own `route` (RoutablePageMixin:
        cite/bibtex/) gets the rest of the path, as Page.route would hand it over; so does the
        last page."""
        if not path_components:
            return super().route(request, path_components)
        candidates = list(
            Page.objects.filter(
                path__startswith=self.path,
                depth__gt=self.depth,
                depth__lte=self.depth + len(path_components),
                slug__in=set(path_components),
            )
        )
        page, rest = self, list(path_components)
        while rest:
            child = next(
                (
                    c
                    for c in candidates
                    if c.slug == rest[0]
                    and c.depth == page.depth + 1
                    and c.path.startswith(page.path)
                ),
                None,
            )
            if child is None:
                raise Http404
            child._cached_parent_obj = page  # as Page.route does: get_parent() needs no query
            page, rest = child, rest[1:]
            if page.specific_class is not None and page.specific_class.route is not Page.route:
                break
        return page.specific.route(request, rest)

    def featured(self):
        """(link, specific live page) pairs in the editor's order, fetched in one go per page
        type."""
        links = list(self.featured_pages.all())
        pages = (
            Page.objects.live()
            .public()
            .filter(pk__in=[link.featured_page_id for link in links])
            .specific()
        )
        by_pk = {page.pk: page for page in pages}
        chosen = [
            (link, by_pk[link.featured_page_id]) for link in links if link.featured_page_id in by_pk
        ]
        shown = in_language(page for _link, page in chosen)  # the reader's language, if translated
        return [(link, page) for (link, _chosen), page in zip(chosen, shown, strict=True)]


class HomePageFeatured(Orderable):
    """A page shown as a card on the home page, in the editor's order."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_pages")
    featured_page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+"
    )
    blurb = models.CharField(
        max_length=300, blank=True, help_text="Optional; defaults to the page's summary."
    )

    panels = [FieldPanel("featured_page"), FieldPanel("blurb")]


class StandardPage(KeptViewRestrictions, Page):
    """A general page (about, privacy, contact) anywhere below home."""

    type_name = gettext_noop("Page")

    intro = models.TextField(blank=True, max_length=600)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["portal.HomePage", "portal.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


# --- Settings ---------------------------------------------------------------


def https_url(**kwargs):
    return models.URLField(
        blank=True, validators=[URLValidator(schemes=["https", "http"])], **kwargs
    )


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Social links and footer text shown on every page of a site."""

    facebook_url = https_url(verbose_name="Facebook")
    twitter_url = https_url(verbose_name="Twitter / X")
    linkedin_url = https_url(verbose_name="LinkedIn")
    youtube_url = https_url(verbose_name="YouTube")
    footer_text = RichTextField(blank=True, features=["bold", "italic", "link"])

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("twitter_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("youtube_url"),
            ],
            heading="Social links",
        ),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def twitter_handle(self):
        """ "@TRActionProject" from the Twitter / X link, for link previews."""
        name = (self.twitter_url or "").rstrip("/").rpartition("/")[2]
        return f"@{name}" if name and name.replace("_", "").isalnum() else ""

    @property
    def social_links(self):
        """The configured links, in the seed's order, for the footer."""
        links = [
            ("Facebook", self.facebook_url),
            ("Twitter", self.twitter_url),
            ("LinkedIn", self.linkedin_url),
            ("YouTube", self.youtube_url),
        ]
        return [(label, url) for label, url in links if url]
