"""The language switcher and hreflang alternates (portal.i18n), for every page and view."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from wagtail.models import Page

from .. import i18n
from ..cache_purge import kept
from .fragment_tags import fragment_key

register = template.Library()


def _page(context):
    page = context.get("page")
    return page if hasattr(page, "get_translations") else None


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """[Alternate] for what is being shown: the page's translations, or the view's URL in
    each language. Read once per request (the head and the switcher, in different templates,
    both use them), and for a page kept with its fragments (fragment_tags)."""
    request, page = context.get("request"), _page(context)
    memo = getattr(request, "_language_alternates", None)
    if memo is not None and memo[0] is page:
        return memo[1]
    key = fragment_key(request, "alternates", page) if isinstance(page, Page) else None
    found = kept(key, lambda: i18n.alternates(request, page))
    if request is not None:
        request._language_alternates = (page, found)
    return found


@register.simple_tag(takes_context=True)
def page_language(context):
    """The language the page is written in: its locale's, or the active one for a view."""
    page = _page(context)
    if page is None:
        return i18n.active()
    if "locale" in page._state.fields_cache:
        return page.locale.language_code
    key = fragment_key(context.get("request"), "language", page)
    return kept(key, lambda: page.locale.language_code)


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """Reciprocal <link rel=alternate hreflang> for each language this content exists in, and
    x-default: the default language's version, or the content's own where there is none."""
    translated = [a for a in language_alternates(context) if a.translated]
    if not translated:
        return ""
    default = next((a for a in translated if a.code == i18n.codes()[0]), None) or next(
        (a for a in translated if a.current), translated[0]
    )
    rows = [(a.code, a.url) for a in translated] + [("x-default", default.url)]
    return format_html_join("", '<link rel="alternate" hreflang="{}" href="{}">\n', rows)


@register.filter
def in_language(pages):
    """A page, or pages, in the active language where translated (portal.i18n.in_language)."""
    if pages is None or pages == "":
        return pages
    if hasattr(pages, "translation_key"):
        return i18n.in_language([pages])[0]
    return i18n.in_language(pages)


@register.simple_tag(takes_context=True)
def home_url(context):
    """The home page in the active language (its root, /fr/, when it has no translation),
    kept per site version: a change to a home page purges every page (cache_purge)."""
    request = context.get("request")
    if request is None:
        return "/"
    language = i18n.active()
    key = fragment_key(request, "home-url")  # the home pages are in the menu: site-wide
    return kept(key, lambda: i18n.home_url(language, request, full=False))


@register.filter
def translation_status(translation):
    """wagtail-localize's status of a translation, or "Out of date" when its source was
    published after translators last synced it (the report would say "Up to date")."""
    source = translation.source
    try:
        instance = source.get_source_instance()
    except ObjectDoesNotExist:
        return translation.get_status_display()
    changed = getattr(instance, "last_published_at", None)
    if changed and changed > source.last_updated_at:
        return _("Out of date: the source changed on %(date)s") % {
            "date": date_format(localtime(changed), "DATETIME_FORMAT")
        }
    return translation.get_status_display()
