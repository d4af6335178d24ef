"""The search page, the JSON API, country pages and filtered listings, over HTTP."""

import io

import pytest
from django.core.management import call_command

from search import indexing

from .factories import FindingsPageFactory
from .helpers import build_search_site, build_trilingual_search_site

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
        ({"lang": "xx"}, ["lang"]),
        ({"lang": ["fr", "en-gb"]}, ["lang"]),
        ({"lang": "f\x00r"}, ["lang"]),
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
        "language",
        "snippet",
        "snippet_source",
        "date",
        "countries",
        "topics",
        "studies",
    }
    assert data["results"][0]["language"] == "en" and data["lang"] == ["en"]
    assert set(data["facets"]) == {"lang", "country", "topic", "study", "type", "year"}
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


@pytest.fixture
def trilingual():
    return build_trilingual_search_site()


def api_titles(client, path="/api/search/", **params):
    data = client.get(path, {**params, "page_size": 100}).json()
    return {result["title"] for result in data["results"]}


def test_lang_defaults_to_the_pages_language(client, trilingual):
    """/search/ is English, /fr/search/ French; /api/search/ is not under a prefix: English.
    A page's default is not an active filter to remove."""
    french = client.get("/fr/search/", {"q": "politique"}).content.decode()
    assert "Évaluation de la politique nationale</a>" in french
    assert "Clear all filters" not in french and "Remove filter" not in french
    assert "Costing of iCCM</a>" not in client.get("/fr/search/").content.decode()
    english = client.get("/search/").content.decode()
    assert "Costing of iCCM</a>" in english and "Évaluation de la politique" not in english
    assert "Política pública" in client.get("/pt/search/").content.decode()
    assert "Évaluation de la politique nationale" not in api_titles(client, q="politique")
    assert "Évaluation de la politique nationale" in api_titles(client, q="politique", lang="fr")


def test_lang_all_and_several_languages(client, trilingual):
    everything = api_titles(client, lang="all")
    assert {
        "Costing of iCCM",
        "Une éducation de qualité",
        "Política pública de saúde em Moçambique",
    } <= everything
    assert api_titles(client, lang=["fr", "pt"]) == {
        "Analyse des politiques de la PCIME",
        "Évaluation de la politique nationale",
        "Une éducation de qualité",
        "Política pública de saúde em Moçambique",
    }
    assert api_titles(client, "/api/search/", lang=["FR", "pt"]) == api_titles(
        client, lang=["fr", "pt"]
    )
    data = client.get("/api/search/", {"lang": "all"}).json()
    assert data["lang"] == []
    facet = {value["value"]: value for value in data["facets"]["lang"]}
    assert facet["fr"] == {"value": "fr", "label": "Français", "count": 3, "selected": False}


def test_an_unknown_language_is_a_400_that_names_it(client, trilingual):
    response = client.get("/api/search/", {"lang": "xx"})
    assert response.status_code == 400
    assert "'xx'" in response.json()["errors"]["lang"] and "fr" in response.json()["errors"]["lang"]
    page = client.get("/fr/search/", {"lang": "xx"})
    assert page.status_code == 400 and "xx" in page.content.decode()
    feed = client.get("/fr/search/feed/", {"lang": "klingon"})
    assert feed.status_code == 400 and "klingon" in feed.content.decode()


def test_feeds_and_country_pages_follow_the_pages_language(client, trilingual):
    import feedparser

    french = feedparser.parse(client.get("/fr/feed/").content)
    assert {entry.title.split(" (")[0] for entry in french.entries} == {
        "Analyse des politiques de la PCIME",
        "Évaluation de la politique nationale",
        "Une éducation de qualité",
    }
    assert "Langue" not in french.feed.title and "Language" not in french.feed.title
    english = feedparser.parse(client.get("/feed/").content)
    assert "Costing of iCCM" in {entry.title.split(" (")[0] for entry in english.entries}
    countries = client.get("/pt/countries/").content.decode()
    assert 'href="/pt/countries/mz/"' in countries and 'href="/pt/countries/ml/"' not in countries
    page = client.get("/pt/countries/mz/").content.decode()
    assert "Política pública de saúde em Moçambique" in page


def test_hits_in_another_language_say_so(client, trilingual):
    html = client.get("/search/", {"q": "politique", "lang": ["en", "fr"]}).content.decode()
    assert '<article class="hit" lang="fr">' in html and "· <span>Français</span>" in html
    assert "· <span>English</span>" not in html


def test_a_listing_lists_its_children_in_its_own_language(client, trilingual):
    """Its children share its locale, whatever the prefix it is served under (an untranslated
    English listing under /fr/: tests/test_interface_languages.py)."""
    english = client.get(trilingual.publications.url).content.decode()
    assert "Data quality lessons</a>" in english and "Évaluation de la politique" not in english
    french = client.get(trilingual.fr_findings.get_parent().url).content.decode()
    assert "Évaluation de la politique nationale</a>" in french
    assert "Data quality lessons" not in french and "· <span>Français</span>" not in french


def test_the_feeds_own_words_are_in_the_pages_language(client, trilingual):
    import feedparser

    french = feedparser.parse(client.get("/fr/feed/atom/").content).feed
    assert french.title.endswith(": dernières publications"), french.title
    assert french.subtitle.startswith("Les 30 résultats les plus récents"), french.subtitle
    news = feedparser.parse(client.get("/pt/feed/news/").content).feed
    assert news.title.endswith(": Notícias") and news.language == "pt", news.title
    english = feedparser.parse(client.get("/feed/news/").content).feed
    assert english.title.endswith(": News")
    refused = client.get("/pt/search/feed/", {"sort": "x"})
    assert refused.status_code == 400
    assert refused.content.decode().startswith("Parâmetros de feed incorretos.\nsort: ")
