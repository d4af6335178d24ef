"""Template helpers shared by every page: menu, breadcrumbs, card text."""

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.models import Page, Site

register = template.Library()

SUMMARY_FIELDS = ("search_description", "summary", "aim", "intro")


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The home page's children marked "show in menus"."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return Page.objects.none()
    return site.root_page.get_children().live().public().in_menu()


@register.simple_tag
def breadcrumbs(page):
    """Ancestors from the site's home page down to (not including) `page`."""
    if not isinstance(page, Page) or page.depth <= 2:
        return []
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
    """The human name of a page's type, e.g. "Policy brief"."""
    name = str(page.specific_class._meta.verbose_name)
    for suffix in (" index page", " page"):
        name = name.removesuffix(suffix)
    return {"findings": "Findings", "journal supplement": "Journal supplement"}.get(name, name.capitalize())


@register.filter
def in_section(page, section):
    """True when `page` sits below `section` in the tree (for the menu's current marker)."""
    return isinstance(page, Page) and page.path.startswith(section.path) and page.pk != section.pk
