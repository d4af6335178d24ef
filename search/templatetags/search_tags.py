"""Search page helpers: URLs for each state, the facet checkboxes and the hits."""

import functools
import html

from django import template
from django.utils import dateformat, translation
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..facets import FACETS_BY_NAME
from ..report import SUBMITTED
from ..results import country_urls

register = template.Library()


def escape(value):
    """Django's escape without its lazy-argument wrapper, which cost more than the escaping
    on a page of 100 hits (the same HTML; only these builders' own strings pass here)."""
    return html.escape(str(value))


@functools.lru_cache(maxsize=4096)
def _local_date(value, language, date_format):
    """A date as the language writes it; formatting one took longer than escaping a whole
    hit. `language` keys the cache (month names), `date_format` a changed setting."""
    return dateformat.format(value, date_format)


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


def _checkboxes(name, values):
    """Each value escaped once and joined: format_html per value cost a broad search's page
    more than its whole search on SQLite."""
    name = escape(name)
    rows = "".join(
        f'<li><label><input type="checkbox" name="{name}" value="{escape(v.value)}"'
        f"{' checked' if v.selected else ''}> {escape(v.label)} "
        f'<span class="count">({v.count})</span></label></li>'
        for v in values
    )
    return mark_safe(f"<ul>{rows}</ul>")  # every part escaped above


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


@register.simple_tag
def hit_items(hits, here):
    """Each hit as a list item: its type, language (when not the page's `here`), date,
    title, snippet (saying when it came from a PDF, and which page) and countries.

    Built in Python like the checkboxes: a page lists up to 100 hits, and a template per hit
    cost a fifth of a millisecond each, more than the page's whole search on OpenSearch.
    """
    language, date_format = translation.get_language(), get_format("DATE_FORMAT")
    countries_label = escape(_("Countries:"))
    pdf_label = escape(_("From the PDF"))
    url_of, country_link = country_urls(), {}  # code -> its link: countries repeat on a page
    items = []
    for hit in hits:
        lang = f' lang="{escape(hit.language)}"' if hit.language else ""
        kind = escape(hit.type_label)
        if hit.language and hit.language != here:
            kind += f" · <span>{escape(hit.language_label)}</span>"
        if hit.date:
            when, shown = f"{hit.date:%Y-%m-%d}", _local_date(hit.date, language, date_format)
            kind += f' · <time datetime="{when}">{escape(shown)}</time>'
        item = (
            f'<li><article class="hit"{lang}>\n  <p class="card__type">{kind}</p>\n'
            f'  <h2 class="hit__title"><a href="{escape(hit.url)}">{escape(hit.title)}</a></h2>\n'
        )
        if hit.snippet:
            source = _source(hit.snippet_source, pdf_label)
            item += f'  <p class="hit__snippet">{source}{hit.snippet}</p>\n'
        if hit.countries:
            for code, name in hit.countries:
                if code not in country_link:
                    country_link[code] = f'<a href="{escape(url_of(code))}">{escape(name)}</a>'
            links = ", ".join(country_link[code] for code, _name in hit.countries)
            item += (
                f'  <p class="hit__tags"><span class="visually-hidden">{countries_label} </span>'
                f"{links}</p>\n"
            )
        items.append(f"{item}</article></li>")
    return mark_safe("".join(items))  # every part escaped above; the snippet is safe HTML


def _source(source, pdf_label):
    """ "From the PDF, page 3:" before a snippet cut from a PDF, linked to that page."""
    if source is None:
        return ""
    label = pdf_label
    if source.page:
        label = escape(_("From the PDF, page %(page)s") % {"page": source.page})
    if source.url:
        page = f"#page={source.page}" if source.page else ""
        title = f' title="{escape(source.title)}"' if source.title else ""
        label = f'<a href="{escape(source.url)}{page}"{title}>{label}</a>'
    return f'<span class="hit__source">{label}:</span> '
