"""The search page, the JSON API, country pages and filtered listings, over HTTP."""

import io

import pytest
from django.core.management import call_command

from search import indexing

from .factories import FindingsPageFactory
from .helpers import build_search_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_search_site()


def test_search_page_shows_counts_filters_and_removal_links(client, site):
    response = client.get("/search/", {"country": "ml", "type": "study"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<input type="checkbox" name="country" value="ML" checked>' in html
    assert "2 results" in html
    assert 'href="?type=study"' in html, "removing Mali keeps the type filter"
    assert "Policy Analysis of iCCM" in html and "Costing of iCCM</a>" not in html


def test_search_page_highlights_and_helps_when_nothing_matches(client, site):
    html = client.get("/search/", {"q": "costing"}).content.decode()
    assert "<mark>" in html
    empty = client.get("/search/", {"q": "zzzzqqq", "country": "ML"}).content.decode()
    assert "No results" in empty and "Remove the filters" in empty


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"page": "abc"}, ["page"]),
        ({"page": "0"}, ["page"]),
        ({"page_size": "101"}, ["page_size"]),
        ({"sort": "random"}, ["sort"]),
        ({"q": "x" * 501}, ["q"]),
        ({"q": "a\x00b", "page_size": "x"}, ["q", "page_size"]),
        ({"country": "M\x07L"}, ["country"]),
        ({"page": "1000", "page_size": "100"}, ["page"]),
    ],
)
def test_api_names_each_bad_parameter(client, site, params, bad):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == sorted(bad)
    assert client.get("/search/", params).status_code == 400


def test_api_returns_the_documented_shape(client, site):
    data = client.get("/api/search/", {"q": "costing", "page_size": 2}).json()
    assert set(data) >= {"total", "page", "results", "facets"}
    assert data["page"] == 1 and len(data["results"]) == 2 and data["total"] >= 3
    assert set(data["results"][0]) == {
        "title",
        "url",
        "type",
        "snippet",
        "date",
        "countries",
        "topics",
        "studies",
    }
    assert set(data["facets"]) == {"country", "topic", "study", "type", "year"}
    mali = next(v for v in data["facets"]["country"] if v["value"] == "ML")
    assert mali == {"value": "ML", "label": "Mali", "count": mali["count"], "selected": False}


def test_unknown_facet_values_match_nothing(client, site):
    data = client.get("/api/search/", {"country": "XX", "year": "abc"}).json()
    assert data["total"] == 0 and data["results"] == []


def test_country_pages(client, site):
    index = client.get("/countries/").content.decode()
    assert 'href="/countries/ml/"' in index
    page = client.get("/countries/ML/", {"type": "study"})
    html = page.content.decode()
    assert page.status_code == 200 and "<h1>Mali</h1>" in html
    assert "Improving Data for iCCM" in html and "Costing of iCCM</a>" not in html
    assert client.get("/countries/zz/").status_code == 404


def test_country_names_link_to_country_pages(client, site):
    html = client.get(site.s2.url).content.decode()
    assert '<a href="/countries/ml/">Mali</a>' in html


def test_listing_pages_filter_their_children(client, site):
    html = client.get(site.publications.url, {"country": "RW"}).content.decode()
    assert "Development of a Costing and Financing Tool" in html
    assert "Data quality lessons" not in html
    assert "Costing of iCCM</a>" not in html, "only the listing's children"
    assert client.get(site.publications.url, {"page": "abc"}).status_code == 400


def test_listing_pages_show_children_newest_first(client, site):
    FindingsPageFactory(parent=site.publications, title="Newest findings", date="2020-01-01")
    indexing.rebuild_store()
    html = client.get(site.publications.url).content.decode()
    assert (
        html.index("Newest findings")
        < html.index("Data quality lessons")
        < html.index("Development of a Costing")
    )


def test_demo_content_acceptance(client, django_capture_on_commit_callbacks):
    """The issue's acceptance queries, on the demo content as publishing indexes it."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())

    def titles(**params):
        return [
            r["title"]
            for r in client.get("/api/search/", {**params, "page_size": 100}).json()["results"]
        ]

    mali = titles(country="ML")
    assert (
        "Improving Data for iCCM" in mali
        and "Policy Analysis of iCCM" in mali
        and "Costing of iCCM" not in mali
    )
    assert "Costing of iCCM" in titles(country="RW")
    top = titles(q="costing")[:3]
    assert "Costing of iCCM" in top and "Development of a Costing and Financing Tool" in top
    both = titles(country=["ML", "RW"])
    outputs = [
        "Linking Policy to Implementation",
        "Lessons Learned from the Three Studies",
        "Improving Data to Improve Programs",
        "Analyzing iCCM Policies",
        "Development of a Costing and Financing Tool",
        "Health Policy and Planning Supplement",
    ]
    for title in [
        "Costing of iCCM",
        "Improving Data for iCCM",
        "Policy Analysis of iCCM",
        *outputs,
    ]:
        assert title in both


def test_results_come_before_the_filters_in_the_page(client, site):
    """Reading and Tab order match the screen at every width (filters are a sidebar after the
    results)."""
    html = client.get("/search/", {"q": "costing"}).content.decode()
    assert (
        html.index('class="search__count"')
        < html.index('id="filters"')
        < html.index("Apply filters")
    )
    assert '<a class="search__skip" href="#filters">Filters</a>' in html
