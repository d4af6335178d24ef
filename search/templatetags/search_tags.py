"""URLs for search states: toggle a facet value, remove a filter, go to a page."""

from django import template

from ..facets import FACETS_BY_NAME

register = template.Library()


def _url(query):
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
def page_url(context, number):
    query = context["request"].GET.copy()
    query["page"] = number
    return _url(query)


@register.simple_tag
def facet_label(name):
    return FACETS_BY_NAME[name].label


@register.filter
def split_facet(values, shown=8):
    """(first values, the rest, whether the rest holds a selected one) for a "More" disclosure."""
    first, rest = values[:shown], values[shown:]
    return first, rest, any(value.selected for value in rest)
