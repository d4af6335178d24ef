"""Search-engine and link-preview metadata: canonical URL, OpenGraph, Twitter card, JSON-LD.

Pages describe themselves through two optional hooks, so this stays generic:
`og_image` (an image, e.g. the hero image) and `structured_data(request)` (a
schema.org dict). The home page's structured data names the Organization.
"""

import json

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from wagtail.models import Site

from ..models import SiteSettings
from .portal_tags import card_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def page_meta(context, page=None, description="", url="", title=""):
    """<link rel=canonical>, OpenGraph and Twitter tags for a Wagtail page (or a view below one:
    url, title)."""
    request = context.get("request")
    page = page or context.get("page")
    if request is None or page is None or not hasattr(page, "get_full_url"):
        return ""
    url = url or page.get_full_url(request)
    description = description or card_summary(page, 40)
    tags = [
        ("og:type", "article" if page.depth > 2 else "website"),
        ("og:title", title or page.seo_title or page.title),
        ("og:url", url),
        ("og:site_name", _site_name(page, request)),
        ("og:description", description),
    ]
    image = getattr(page.specific, "og_image", None)
    twitter = [("twitter:card", "summary_large_image" if image else "summary")]
    if image:
        rendition = image.get_rendition("fill-1200x630|format-jpeg")
        tags += [
            ("og:image", request.build_absolute_uri(rendition.url)),
            ("og:image:alt", image.alt_text),
        ]
        tags += [("og:image:width", rendition.width), ("og:image:height", rendition.height)]
    handle = SiteSettings.for_request(request).twitter_handle
    if handle:
        twitter.append(("twitter:site", handle))
    canonical = format_html('<link rel="canonical" href="{}">\n', url)
    og = format_html_join(
        "", '<meta property="{}" content="{}">\n', [(k, v) for k, v in tags if v != ""]
    )
    tw = format_html_join("", '<meta name="{}" content="{}">\n', twitter)
    return canonical + og + tw


def _site_name(page, request):
    """The name of the page's site: the request's (no query) when the page is on it, as it is
    when served."""
    site, parts = Site.find_for_request(request), page.get_url_parts(request)
    if site is not None and parts and parts[0] == site.pk:
        return site.site_name
    return getattr(page.get_site(), "site_name", "")


# The schema.org types pages declare that are creative works, so take `inLanguage` (an
# Organization, or a ResearchProject, does not).
CREATIVE_WORKS = {"Article", "CreativeWork", "NewsArticle", "Report", "ScholarlyArticle", "WebPage"}


@register.simple_tag(takes_context=True)
def structured_data(context, data=None):
    """A schema.org JSON-LD block: `data`, or the page's own `structured_data(request)`."""
    request, page = context.get("request"), context.get("page")
    if data is None and page is not None and hasattr(page.specific, "structured_data"):
        data = page.specific.structured_data(request)
    if not data:
        return ""
    if data.get("@type") in CREATIVE_WORKS and hasattr(page, "locale_id"):
        data = {"inLanguage": page.locale.language_code, **data}  # BCP 47, as <html lang>
    payload = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)
    payload = (
        payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )  # never closes the tag
    return mark_safe(f'<script type="application/ld+json">{payload}</script>\n')
