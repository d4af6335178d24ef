"""Search page helpers: URLs for each state, and the facet checkboxes."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..facets import FACETS_BY_NAME
from ..report import SUBMITTED

register = template.Library()


def _url(query):
    """A state of this search: never counted again as a submitted one (search/report.py)."""
    query.pop(SUBMITTED, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def toggle_url(context, name, value):
    """This search with `value` of facet `name` switched on or off, from page 1."""
    query = context["request"].GET.copy()
    values = query.getlist(name)
    matches = [v for v in values if FACETS_BY_NAME[name].normalise(v) == value]
    query.setlist(name, [v for v in values if v not in matches] if matches else [*values, value])
    query.pop("page", None)
    return _url(query)


@register.simple_tag(takes_context=True)
def clear_filters_url(context):
    query = context["request"].GET.copy()
    for name in FACETS_BY_NAME:
        query.pop(name, None)
    query.pop("page", None)
    return _url(query)


@register.simple_tag(takes_context=True)
def query_url(context, q):
    """This search for other words, from page 1: a new search, counted as the reader's."""
    query = context["request"].GET.copy()
    query["q"] = q
    query.pop("page", None)
    return f"{_url(query)}&{SUBMITTED}=1"


@register.simple_tag(takes_context=True)
def page_url(context, number):
    query = context["request"].GET.copy()
    query["page"] = number
    return _url(query)


@register.simple_tag
def facet_label(name):
    return FACETS_BY_NAME[name].label


SHOWN = 8  # values listed before "More"
MORE = 40  # values inside "More", unless the reader asked to see them all (?show=<facet>)
VALUE_HTML = (
    '<li><label><input type="checkbox" name="{}" value="{}"{}> {} '
    '<span class="count">({})</span></label></li>'
)


def _checkboxes(name, values):
    rows = (
        (name, v.value, mark_safe(" checked") if v.selected else "", v.label, v.count)
        for v in values
    )
    return format_html("<ul>{}</ul>", format_html_join("", VALUE_HTML, rows))


@register.simple_tag(takes_context=True)
def facet_checkboxes(context, name, values):
    """One facet's checkboxes: the first few, then a "More" disclosure, capped so 500 studies
    stay light.

    Built with format_html_join rather than an include per value: a broad search
    lists hundreds of values, and page weight matters to readers on mobile data.
    """
    request = context["request"]
    expanded = request.GET.get("show") == name
    first, rest = values[:SHOWN], values[SHOWN:]
    hidden = []
    if not expanded and len(rest) > MORE:
        rest, hidden = rest[:MORE], [value for value in rest[MORE:] if not value.selected]
        rest += [value for value in values[SHOWN + MORE :] if value.selected]
    html = _checkboxes(name, first)
    if rest:
        is_open = expanded or any(value.selected for value in rest)
        summary = _("More (%(count)s)") % {"count": len(rest)}
        more = format_html("<summary>{}</summary>{}", summary, _checkboxes(name, rest))
        html += format_html("<details{}>{}</details>", mark_safe(" open") if is_open else "", more)
    if hidden:
        query = request.GET.copy()
        query["show"] = name
        label = FACETS_BY_NAME[name].label.lower()
        link = format_html(
            '<a href="{}#facet-{}">{}<span class="visually-hidden"> {}</span></a>',
            _url(query),
            name,
            _("Show all %(count)s") % {"count": len(values)},
            _("%(facet)s values") % {"facet": label},
        )
        html += format_html('<p class="facet__all">{}</p>', link)
    return html
