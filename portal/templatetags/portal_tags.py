"""Template helpers shared by every page: menu, breadcrumbs, card text."""

from typing import NamedTuple

from django import template
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from wagtail.models import Page, Site

from ..cache_purge import kept, site_version

register = template.Library()

SUMMARY_FIELDS = ("search_description", "summary", "aim", "intro")


class MenuItem(NamedTuple):
    pk: int
    path: str  # the tree path, for in_section
    title: str
    url: str


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The home page's children marked "show in menus", as MenuItems; cached per site and site
    version (portal.cache_purge purges it with every page when a top-level page changes)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    # Keyed by language, not by the localized home page, so that a hit reads no Locale.
    key = f"fragment:menu:{site.pk}:{translation.get_language()}:{site_version(request)}"

    def make():
        home = site.root_page.localized  # the home page in the active language, if translated
        pages = home.get_children().live().public().in_menu()
        return [MenuItem(page.pk, page.path, page.title, page.get_url(request)) for page in pages]

    return kept(key, make)


@register.simple_tag
def breadcrumbs(page):
    """Ancestors from the site's home page down to (not including) `page`."""
    if not isinstance(page, Page) or page.depth <= 2:
        return []
    ancestors, node = [], page
    while node.depth > 2 and "_cached_parent_obj" in node.__dict__:  # the parents routing read
        node = node._cached_parent_obj
        ancestors.append(node)
    if node.depth == 2:
        return ancestors[::-1]
    return list(page.get_ancestors().filter(depth__gte=2))


@register.filter
def card_summary(page, words=40):
    """A short plain-text summary for a listing card, from the first field that has one."""
    for name in SUMMARY_FIELDS:
        value = getattr(page, name, "")
        text = strip_tags(str(value or "")).strip()
        if text:
            return Truncator(text).words(int(words))
    return ""


@register.filter
def type_label(page):
    """The human name of a page's type in the reader's language, e.g. "Policy brief": the name
    a searched type gives its results (`search_result_type`), else the page type's `type_name`
    (both English msgids, translated here), else its verbose name."""
    model = page.specific_class
    result_type = getattr(model, "search_result_type", None)
    name = result_type.name if result_type else getattr(model, "type_name", None)
    return gettext(name) if name else capfirst(model._meta.verbose_name)


@register.filter
def in_section(page, section):
    """True when `page` sits below `section` in the tree (for the menu's current marker)."""
    return isinstance(page, Page) and page.path.startswith(section.path) and page.pk != section.pk
