"""One contract for every search backend: the database one, and a real OpenSearch node.

Facets are OR within, AND across, and each is counted without its own
selection; text is stemmed, weighted title > summary > body, with phrases and
exclusions; drafts and private pages never appear.
"""

import datetime
import re

import pytest
from django.http import QueryDict
from django.utils import translation

from search import indexing
from search.query import SearchParams

from .helpers import build_search_site, build_trilingual_search_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(search_backend):
    site = build_search_site()
    if search_backend.uses_queue:
        indexing.rebuild_backend()
    site.backend = search_backend
    return site


def run(site, query="", **fixed):
    return site.backend.search(
        SearchParams.from_query_dict(QueryDict(query, mutable=False), **fixed)
    )


def titles(results):
    return {hit.title for hit in results.hits}


def counts(results, facet):
    return {value.value: value.count for value in results.facets[facet]}


STUDIES = {"Costing of iCCM", "Improving Data for iCCM", "Policy Analysis of iCCM"}


def test_country_filter_is_case_insensitive_and_exact(site):
    results = run(site, "country=ml&page_size=100")
    assert {"Improving Data for iCCM", "Policy Analysis of iCCM"} <= titles(results)
    assert "Costing of iCCM" not in titles(results)
    assert titles(results) == titles(run(site, "country=ML&page_size=100"))


def test_outputs_without_countries_inherit_their_studies(site):
    assert {"Costing of iCCM", "Development of a Costing and Financing Tool"} <= titles(
        run(site, "country=RW")
    )


def test_or_within_a_facet_and_across_facets(site):
    either = run(site, "country=ML&country=RW&page_size=100")
    assert titles(either) == titles(run(site, "country=ML&page_size=100")) | titles(
        run(site, "country=RW&page_size=100")
    )
    assert titles(either) >= STUDIES
    both = run(site, "country=ML&type=study&page_size=100")
    assert titles(both) == {"Improving Data for iCCM", "Policy Analysis of iCCM"}


def test_facet_counts_ignore_their_own_selection(site):
    unfiltered = run(site)
    selected = run(site, "country=ML")
    assert counts(selected, "country") == counts(unfiltered, "country"), (
        "with Mali selected, every country still shows what it would add"
    )
    assert selected.total == counts(unfiltered, "country")["ML"]
    narrowed = run(site, "country=ML&type=study")
    assert counts(narrowed, "country") == counts(run(site, "type=study"), "country")
    assert counts(narrowed, "type")["study"] == narrowed.total


def test_single_valued_facets_add_up_to_the_total(site):
    for query in ["", "country=MW", "q=costing", "topic=policy&country=ML"]:
        results = run(site, query)
        assert sum(counts(results, "type").values()) == results.total, query
        undated = [hit for hit in run(site, f"{query}&page_size=100").hits if hit.date is None]
        assert sum(counts(results, "year").values()) == results.total - len(undated), query


def test_only_known_dates_are_shown_and_counted(site):
    """No date is invented: the research area has none, and the day it was published is not
    one (the site's pages were all first published in 2017)."""
    results = run(site, "page_size=100")
    assert [hit.title for hit in results.hits if hit.date is None] == [site.area.title]
    assert "2017" not in counts(results, "year")
    assert results.hits[-1].title == site.area.title  # newest first: the undated come last


def test_selected_values_stay_listed_at_zero(site):
    results = run(site, "country=ZZ&topic=no-such-topic")
    assert results.total == 0 and results.hits == []
    zz = next(value for value in results.facets["country"] if value.value == "ZZ")
    assert zz.selected and zz.count == 0


def test_study_facet_holds_the_study_and_its_outputs(site):
    results = run(site, "study=costing-of-iccm&page_size=100")
    assert titles(results) == {
        "Costing of iCCM",
        "Development of a Costing and Financing Tool",
        "Health Policy and Planning Supplement",
    }
    article = run(site, "study=improving-data&type=article&page_size=100")
    assert "Community health worker supervision" in titles(article)


def test_type_and_year_facets(site):
    assert titles(run(site, "type=brief")) == {"Child mortality brief"}
    assert titles(run(site, "year=2016&type=news")) == {"Supplement published"}
    assert counts(run(site), "type") == {
        "study": 3,
        "findings": 2,
        "brief": 1,
        "article": 2,
        "news": 1,
        "research-area": 1,
    }


def test_stemming_and_field_weights(site):
    results = run(site, "q=costs&page_size=100")
    order = [hit.title for hit in results.hits]
    assert set(order[:2]) == {"Costing of iCCM", "Development of a Costing and Financing Tool"}, (
        "titles first"
    )
    assert order.index("Data quality lessons") < order.index("Child mortality brief"), (
        "summary above body"
    )
    assert "Costing draft" not in order and "Costing private" not in order


def test_phrases_and_exclusions(site):
    assert titles(run(site, 'q="data quality"')) >= {
        "Data quality lessons",
        "Improving Data for iCCM",
    }
    assert "Child mortality brief" not in titles(run(site, 'q="data quality"')), (
        "quality of data is not the phrase"
    )
    assert "Child mortality brief" in titles(run(site, "q=quality data"))
    excluded = titles(run(site, "q=costing -tool&page_size=100"))
    assert (
        "Development of a Costing and Financing Tool" not in excluded
        and "Costing of iCCM" not in excluded
    )
    assert "Data quality lessons" in excluded
    only_negative = run(site, "q=-costing&page_size=100")
    assert "Supplement published" in titles(only_negative) and "Costing of iCCM" not in titles(
        only_negative
    )


COSTING = {
    "Costing of iCCM",
    "Development of a Costing and Financing Tool",
    "Data quality lessons",
    "Health Policy and Planning Supplement",
    "Child mortality brief",
}


@pytest.mark.parametrize(
    "query, expected",
    [
        ('AND OR ((( "unclosed ~* +-', set()),  # one word left, "unclosed", on no page
        ("the of and", set()),  # stop words only: nothing to match, not everything
        ("::: [] {} / \\ ^", set()),
        ("-", set()),
        ('""', set()),
        ('costing ((( ~* "', COSTING),  # the syntax is ignored, the word still matches
    ],
)
def test_query_syntax_never_errors(site, query, expected):
    results = site.backend.search(SearchParams(q=query, page_size=100))
    assert titles(results) == expected and results.total == len(expected)


def test_snippets_are_escaped_with_marks_only(site):
    hit = next(
        hit
        for hit in run(site, "q=costing&page_size=100").hits
        if hit.title == "Data quality lessons"
    )
    assert "<mark>costing</mark>" in hit.snippet.lower()
    assert "5 &lt; 6 &amp;" in hit.snippet
    assert "<" not in re.sub(r"</?mark>", "", hit.snippet), "no markup but <mark>"


def test_sorting(site):
    newest = [hit.date for hit in run(site, "page_size=100").hits]
    dated = [date for date in newest if date]
    assert newest == sorted(dated, reverse=True) + [None], "newest first, the undated last"
    by_title = [hit.title.casefold() for hit in run(site, "sort=title&page_size=100").hits]
    assert by_title == sorted(by_title)
    assert run(site, "q=costing").params.effective_sort == "relevance"


def test_paging_is_stable(site):
    whole = [hit.key for hit in run(site, "page_size=100").hits]
    pages = [hit.key for page in (1, 2, 3, 4) for hit in run(site, f"page_size=3&page={page}").hits]
    assert pages == whole
    assert run(site, "page_size=3&page=50").hits == []


def test_articles_are_results_of_their_own(site):
    hit = next(
        hit
        for hit in run(site, "type=article&page_size=100").hits
        if hit.title.startswith("Community")
    )
    assert hit.url.endswith(f"#article-{site.article.pk}")
    assert [code for code, _ in hit.countries] == ["ML", "MW"], "from its study"


def test_listing_restricts_to_children(site):
    results = run(site, "page_size=100", parent_id=site.publications.pk)
    assert titles(results) == {
        "Development of a Costing and Financing Tool",
        "Data quality lessons",
        "Health Policy and Planning Supplement",
    }


def test_relevance_paging_is_stable(site):
    """Pages of a ranked search partition its results: nothing repeated, nothing skipped."""
    whole = [hit.key for hit in run(site, "q=costing&page_size=100").hits]
    assert len(whole) >= 4
    pages = [
        hit.key
        for page in (1, 2, 3)
        for hit in run(site, f"q=costing&page_size=2&page={page}").hits
    ]
    assert pages == whole


def test_an_article_known_by_its_year_only(site):
    """No day is invented for it: it shows no date, counts in its year and sorts with it."""
    from briefs.models import SupplementArticle

    supplement = site.supplement
    SupplementArticle.objects.create(page=supplement, title="Community volunteers", year=2012)
    indexing.request_update([supplement.pk])
    indexing.process_pending()
    results = run(site, "page_size=100")
    article = next(hit for hit in results.hits if hit.title == "Community volunteers")
    assert article.date is None and article.type_label == "Journal article"
    assert counts(run(site, "year=2012"), "type").get("article") == 1
    at = results.hits.index(article)
    start_of_2012 = datetime.date(2012, 1, 1)
    assert all(hit.date >= start_of_2012 for hit in results.hits[:at])
    assert all(hit.date is None or hit.date <= start_of_2012 for hit in results.hits[at + 1 :])
    assert any(hit.date and hit.date.year == 2011 for hit in results.hits[at + 1 :])


def test_published_after_keeps_only_what_appeared_since(site):
    """Alerts' window: what was first published after a moment, whatever its own date, with
    every facet counted inside the window."""
    from .factories import FindingsPageFactory

    mark = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    assert run(site, published_after=mark).total == 0, "the site was published in 2017"
    new = FindingsPageFactory(
        parent=site.publications, title="Old finding, new here", date=datetime.date(2010, 1, 1)
    )
    new.countries.set([site.mali]), new.save()
    new.save_revision().publish()
    indexing.process_pending()
    since = run(site, "country=ML&sort=newest", published_after=mark)
    assert titles(since) == {"Old finding, new here"}
    assert since.hits[0].published > mark
    assert counts(since, "type") == {"findings": 1}
    assert run(site, "country=RW", published_after=mark).total == 0
    assert run(site, "country=ML", published_after=since.hits[0].published).total == 0


# --- Languages: each document's text is read in its own language ---------------------------


@pytest.fixture
def trilingual(search_backend):
    site = build_trilingual_search_site()
    if search_backend.uses_queue:
        indexing.rebuild_backend()
    site.backend = search_backend
    return site


@pytest.mark.parametrize(
    "query, lang, title",
    [
        ("politiques", "fr", "Évaluation de la politique nationale"),  # plural, singular
        ("evaluation", "fr", "Évaluation de la politique nationale"),  # accents folded
        ("l'éducation", "fr", "Une éducation de qualité"),  # elision
        ("políticas públicas", "pt", "Política pública de saúde em Moçambique"),
        ("Mocambique", "pt", "Política pública de saúde em Moçambique"),
        # French and Portuguese stemming, which English stemming does not do
        ("hôpitaux", "fr", "Évaluation de la politique nationale"),  # the text says hôpital
        ("vacinar", "pt", "Política pública de saúde em Moçambique"),  # it says vacinadas
        # the body names taxonomy in the document's language
        ("ethiopie", "fr", "Une éducation de qualité"),  # tagged Ethiopia: Éthiopie
        ("publiques", "fr", "Évaluation de la politique nationale"),  # Politiques publiques
    ],
)
def test_text_is_read_in_its_own_language(trilingual, query, lang, title):
    found = titles(run(trilingual, f"q={query}&lang={lang}&page_size=100"))
    assert title in found, f"{query!r} in {lang}: {found}"


def test_a_language_finds_only_its_own_documents(trilingual):
    assert titles(run(trilingual, "q=costing&lang=fr")) == set()
    assert titles(run(trilingual, "q=ethiopia&lang=fr")) == set(), "its body says Éthiopie"
    assert "Costing of iCCM" in titles(run(trilingual, "q=costing&lang=en"))
    assert titles(run(trilingual, "lang=pt&page_size=100")) == {
        "Política pública de saúde em Moçambique"
    }


def test_an_english_query_under_fr_finds_no_english_page_unless_widened(trilingual, client):
    french = client.get("/fr/search/", {"q": "costing"}).content.decode()
    assert "Costing of iCCM</a>" not in french
    assert '<input type="checkbox" name="lang" value="fr" checked>' in french
    assert '<input type="checkbox" name="lang" value="en">' in french, "English, to widen"
    widened = client.get("/fr/search/", {"q": "costing", "lang": ["fr", "en"]}).content.decode()
    assert "Costing of iCCM</a>" in widened
    assert "Costing of iCCM</a>" in client.get("/search/", {"q": "costing"}).content.decode()


def test_the_language_facet_counts_and_adds_up(trilingual):
    everything = run(trilingual, "page_size=100")
    by_language = counts(everything, "lang")
    assert by_language == {"en": 10, "fr": 3, "pt": 1}
    assert sum(by_language.values()) == everything.total
    for code, count in by_language.items():
        selected = run(trilingual, f"lang={code}")
        assert selected.total == count
        assert counts(selected, "lang") == by_language, "counted without its own selection"
        assert sum(counts(selected, "type").values()) == count
    politique = run(trilingual, "q=politique")
    assert counts(politique, "lang") == {"fr": 2}, "French reads it; English and Portuguese do not"
    labels = {value.value: value.label for value in everything.facets["lang"]}
    assert labels == {"en": "English", "fr": "Français", "pt": "Português"}


def test_facet_labels_are_in_the_active_language(trilingual):
    with translation.override("fr"):
        results = run(trilingual, "lang=fr&page_size=100")
        topic = {v.value: v.label for v in results.facets["topic"]}
        study = {v.value: v.label for v in results.facets["study"]}
        country = {v.value: v.label for v in results.facets["country"]}
    assert topic["policy"] == "Politiques publiques"
    assert study == {"policy-analysis": "Analyse des politiques de la PCIME"}
    assert country["ET"] == "Éthiopie"
    with translation.override("pt"):
        country = {v.value: v.label for v in run(trilingual, "lang=pt").facets["country"]}
    assert country == {"MZ": "Moçambique"}
    with translation.override("en"):
        study = {v.value: v.label for v in run(trilingual, "lang=en").facets["study"]}
    assert study["policy-analysis"] == "Policy Analysis of iCCM"


def test_a_study_has_one_facet_value_in_every_language(trilingual):
    """The French study's value is its English page's slug: selecting it in French finds
    the French study and its French outputs."""
    assert titles(run(trilingual, "study=policy-analysis&lang=fr")) == {
        "Analyse des politiques de la PCIME",
        "Évaluation de la politique nationale",
    }
    english = titles(run(trilingual, "study=policy-analysis&lang=en&page_size=100"))
    assert "Policy Analysis of iCCM" in english and "Child mortality brief" in english
    assert titles(run(trilingual, "study=analyse-des-politiques&lang=all")) == set()


def test_snippets_come_from_the_documents_own_text(trilingual):
    hit = next(
        hit
        for hit in run(trilingual, "q=evaluation&lang=fr").hits
        if hit.title.startswith("Évaluation")
    )
    assert "<mark>Évaluation</mark>" in hit.snippet
    assert hit.language == "fr"
