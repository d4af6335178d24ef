"""Synonyms editors keep (search/synonyms.py): read strictly, applied to every query on every
backend from the next search on, with no rebuild."""

import pytest
from wagtail.models import Locale

from portal import cached
from search import synonyms
from search.backends import get_search_backend
from search.models import Synonym
from search.query import SearchParams, TextQuery
from search.synonyms import SynonymError, split_terms

from .factories import FindingsPageFactory, PublicationIndexPageFactory
from .helpers import fresh_home, reindex

ADD_URL = "/admin/snippets/portal_search/synonym/add/"
pytestmark = pytest.mark.django_db


# --- reading a rule ----------------------------------------------------------------------


def test_a_rule_is_cleaned_into_its_terms():
    assert split_terms("  iCCM ,integrated   community case management") == [
        "iCCM",
        "integrated community case management",
    ]
    assert split_terms("paludisme = malaria = malária") == ["paludisme", "malaria", "malária"]
    assert split_terms("Malaria, malária")  # the same once folded, but both may be typed
    assert split_terms("M&E, monitoring and evaluation") == ["M&E", "monitoring and evaluation"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("malaria", "at least two terms"),
        ("malaria, , paludisme", "Term 2 is empty"),
        ("malaria,", "Term 2 is empty"),
        ("malaria => paludisme", "One-way rules"),
        ('malaria, "paludisme"', 'has “"”'),
        ("malaria, palu(disme)", "has “(”"),
        ("malaria, as me", "only of words search ignores"),  # stop words in all three
        ("malaria, Malaria", "listed twice"),
        ("malaria, paludisme\tfr", "control characters"),
        (" ".join("abcdefghijklm") + ", x", "longer than 12 words"),
        (", ".join(f"w{i}" for i in range(21)), "At most 20 terms"),
    ],
)
def test_a_rule_that_cannot_be_read_says_what_to_change(line, message):
    with pytest.raises(SynonymError, match=message.replace("(", r"\(")):
        split_terms(line)


# --- what a query becomes ---------------------------------------------------------------


@pytest.fixture
def rules(db):
    Synonym.objects.create(terms="iCCM, integrated community case management")
    Synonym.objects.create(terms="paludisme, malaria")
    Synonym.objects.create(terms="malária, paludismo")  # shares a term (accents fold): one group
    Synonym.objects.create(terms="CHW, agent de santé communautaire", language="fr")


def parsed(q, code="en"):
    return SearchParams(q=q).text[code]


def test_a_listed_word_becomes_a_group_of_its_equivalents(rules):
    query = parsed("paludisme Mali")
    assert query.terms == ("mali",)
    assert query.alternatives == ((("paludisme",), ("malaria",), ("paludismo",)),)
    assert query.as_simple_query_string() == "mali (paludisme | malaria | paludismo)"


def test_a_run_of_words_spelling_a_term_is_matched_longest_first(rules):
    query = parsed("costing of Integrated Community Case Management")
    assert query.terms == ("costing",)
    assert query.alternatives == ((("iccm",), ("integrated", "community", "case", "management")),)
    # the same as a phrase, and the plural reads as the same index terms
    assert parsed('"integrated community case managements"').alternatives == query.alternatives


def test_exclusions_exclude_every_equivalent(rules):
    query = parsed("child -malaria")
    assert query.excluded == (("malaria",), ("paludisme",), ("paludismo",))


def test_a_rule_for_one_language_applies_to_its_reading_only(rules):
    assert parsed("CHW", "fr").alternatives and not parsed("CHW", "en").alternatives


def test_with_no_rules_a_query_is_unchanged(db):
    assert parsed("paludisme") == TextQuery(terms=("paludisme",))


def test_a_changed_rule_applies_to_the_next_search(rules):
    assert parsed("paludisme").alternatives
    Synonym.objects.filter(terms="paludisme, malaria").delete()
    assert not parsed("paludisme").alternatives
    Synonym.objects.create(terms="paludisme, fièvre")
    assert parsed("paludisme").alternatives == ((("paludisme",), ("fièvre",)),)


def test_rules_are_read_once_and_kept(rules, django_assert_num_queries):
    parsed("malaria")
    with django_assert_num_queries(0):
        parsed("paludisme") and parsed("iccm")


# --- every backend ----------------------------------------------------------------------


@pytest.fixture
def pages(backend):
    home = fresh_home()
    index = PublicationIndexPageFactory(parent=home)
    found = {
        "malaria": FindingsPageFactory(
            parent=index, title="Fever in Mali", summary="<p>Malaria diagnosis and treatment.</p>"
        ),
        "iccm": FindingsPageFactory(
            parent=index, title="Programme costs", summary="<p>The iCCM package.</p>"
        ),
        "spelled": FindingsPageFactory(
            parent=index,
            title="Scale-up",
            summary="<p>Integrated community case management programs.</p>",
        ),
    }
    reindex()
    return found


def titles(q, **params):
    return sorted(
        hit.title for hit in get_search_backend().search(SearchParams(q=q, **params)).hits
    )


def test_paludisme_finds_the_malaria_pages_once_an_editor_adds_it(pages, admin_client):
    assert titles("paludisme") == []
    response = admin_client.post(ADD_URL, {"terms": "paludisme,malaria", "language": ""})
    assert response.status_code == 302, response.content[:2000]
    assert Synonym.objects.get().terms == "paludisme, malaria"
    # no rebuild, no re-index: the next search reads it
    assert titles("paludisme") == ["Fever in Mali"] == titles("malaria")
    assert titles("paludisme", filters={"lang": ("en",)}) == ["Fever in Mali"]
    hit = get_search_backend().search(SearchParams(q="paludisme")).hits[0]
    assert "<mark>malaria</mark>" in str(hit.snippet).lower()


def test_an_acronym_and_its_words_find_each_other(pages):
    Synonym.objects.create(terms="iCCM, integrated community case management")
    assert titles("iccm") == ["Programme costs", "Scale-up"]
    assert titles('"integrated community case management"') == ["Programme costs", "Scale-up"]
    assert titles("iccm package") == ["Programme costs"]
    assert titles("iccm -package") == ["Scale-up"]


def test_a_rule_for_another_language_does_not_touch_english_pages(pages):
    Synonym.objects.create(terms="paludisme, malaria", language="fr")
    assert titles("paludisme") == []


# --- the editor's form ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "message"),
    [("malaria, , paludisme", "Term 2 is empty"), ("malaria => paludisme", "One-way rules")],
)
def test_a_rule_with_a_syntax_error_is_a_form_error(db, admin_client, terms, message):
    response = admin_client.post(ADD_URL, {"terms": terms, "language": ""})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Synonym.objects.exists()


def test_the_same_rule_twice_is_a_form_error(db, admin_client):
    Synonym.objects.create(terms="paludisme, malaria")
    response = admin_client.post(ADD_URL, {"terms": "paludisme ,  malaria", "language": ""})
    assert response.status_code == 200 and b"already exists" in response.content
    assert Synonym.objects.count() == 1


def test_an_unknown_language_is_a_form_error(db, admin_client):
    response = admin_client.post(ADD_URL, {"terms": "paludisme, malaria", "language": "xx"})
    assert response.status_code == 200 and b"not one of the available choices" in response.content


def test_a_saved_rule_purges_the_cached_search_pages(pages, client):
    Locale.objects.get_or_create(language_code="en")
    first = client.get("/search/?q=paludisme")
    assert client.get("/search/?q=paludisme")["X-Cache"] == "hit"
    assert b"Fever in Mali" not in first.content
    Synonym.objects.create(terms="paludisme, malaria")
    again = client.get("/search/?q=paludisme")
    assert again["X-Cache"] == "miss" and b"Fever in Mali" in again.content


def test_the_cache_being_down_reads_the_rules_from_the_database(rules, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = delete = get

    monkeypatch.setattr(cached, "caches", {"default": Down()})
    assert parsed("paludisme").alternatives
    synonyms.forget()  # and a rule saved meanwhile is not an error either


def test_a_group_with_other_languages_phrases_still_finds_the_words_typed(pages):
    """The demo's rule: a query spelling one of its terms finds that term's pages on every
    backend, whatever the other languages' terms are."""
    Synonym.objects.create(
        terms="CHW, community health worker, agent de santé communautaire, "
        "agente de saúde comunitário"
    )
    FindingsPageFactory(
        parent=pages["malaria"].get_parent(),
        title="Workforce",
        summary="<p>A community health worker is trained in diagnosis.</p>",
    )
    reindex()
    assert titles("community health workers") == ["Workforce"]  # Elasticsearch: not stemmed
    assert titles("CHW") == ["Workforce"]
