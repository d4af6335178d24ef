"""The facet checkboxes stay light when a facet has hundreds of values (500 studies)."""

import re

from django.template import Context, Template
from django.test import RequestFactory

from search.results import FacetValue
from search.templatetags.search_tags import MORE, SHOWN

TEMPLATE = Template("{% load search_tags %}{% facet_checkboxes name values %}")


def render(values, query=""):
    request = RequestFactory().get(f"/search/?{query}")
    return TEMPLATE.render(Context({"request": request, "name": "study", "values": values}))


def studies(count, selected=()):
    values = [
        FacetValue(f"s{n}", f"Study <{n}>", count - n, f"s{n}" in selected) for n in range(count)
    ]
    return sorted(values, key=lambda v: not v.selected)  # as `present` orders them: selected first


def checkboxes(html):
    return re.findall(r'name="study" value="([^"]+)"', html)


def test_a_short_facet_lists_everything_without_a_link():
    html = render(studies(5))
    assert checkboxes(html) == [f"s{n}" for n in range(5)]
    assert "<details" not in html and "Show all" not in html
    assert "Study &lt;0&gt;" in html, "labels are escaped"


def test_a_long_facet_is_capped_with_a_link_to_all_of_it():
    html = render(studies(500), "q=malaria&study=s3")
    assert len(checkboxes(html)) == SHOWN + MORE
    assert re.search(r"<details><summary>More \(40\)</summary>", html), (
        "closed: nothing selected inside"
    )
    link = re.search(r'<a href="\?([^"]+)#facet-study">Show all 500', html)
    assert link and "show=study" in link.group(1) and "q=malaria" in link.group(1)


def test_selected_values_are_never_cut():
    # 12 selected: more than SHOWN
    values = studies(500, selected={f"s{n}" for n in range(0, 300, 25)})
    shown = checkboxes(render(values))
    assert {f"s{n}" for n in range(0, 300, 25)} <= set(shown)
    assert "<details open>" in render(values)


def test_show_lists_every_value_of_that_facet():
    html = render(studies(500), "show=study")
    assert len(checkboxes(html)) == 500 and "Show all" not in html and "<details open>" in html
    assert len(checkboxes(render(studies(500), "show=country"))) == SHOWN + MORE
