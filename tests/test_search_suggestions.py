"""Suggestions while typing and "Did you mean" after a search (search/vocabulary.py,
search/suggestions.py): from the store's own words, in the page's language, on every
backend."""

import pytest
from django.core.management import call_command

from search import indexing, vocabulary
from search.backends import get_search_backend
from search.models import SearchWord
from search.query import SearchParams

from .factories import CountryFactory, FindingsPageFactory, PublicationIndexPageFactory
from .helpers import fresh_home, translate_with_parents

pytestmark = pytest.mark.django_db
SUGGEST = "/api/search/suggest/"


@pytest.fixture
def site():
    home = fresh_home()
    CountryFactory(name="Mali", code="ML")
    CountryFactory(name="Malawi", code="MW")
    index = PublicationIndexPageFactory(parent=home)
    pages = {
        "vaccination": FindingsPageFactory(
            parent=index,
            title="Routine immunisation",
            summary="<p>Vaccination reaches children in remote villages.</p>",
        ),
        "vaccines": FindingsPageFactory(
            parent=index, title="Vaccines in the cold chain", summary="<p>Storage.</p>"
        ),
        "malaria": FindingsPageFactory(
            parent=index, title="Fever", summary="<p>Malaria diagnosis by community workers.</p>"
        ),
    }
    french = translate_with_parents(
        pages["malaria"], "fr", title="Fièvre", summary="<p>Le paludisme.</p>"
    )
    indexing.rebuild_store()
    return pages, french


def suggestions(client, q, **params):
    response = client.get(SUGGEST, {"q": q, **params})
    assert response.status_code == 200, response.content
    return [(item["kind"], item["label"]) for item in response.json()["suggestions"]]


# --- the vocabulary ----------------------------------------------------------------------


def test_the_store_counts_each_documents_words_as_it_writes_them(site):
    word = SearchWord.objects.get(language="en", folded="vaccination")
    assert (word.word, word.frequency) == ("vaccination", 1)
    assert not SearchWord.objects.filter(folded__in=["the", "in", "by"]).exists()  # stop words
    assert SearchWord.objects.get(language="fr", folded="paludisme").word == "paludisme"
    assert SearchWord.objects.get(language="fr", folded="fievre").word == "fièvre"


def test_a_republished_page_counts_once_and_a_deleted_pages_words_go_with_it(site):
    """The counts follow the store as it writes, with no recount: "vaccines" is no longer
    offered once its only page is gone, and republishing counts a page's words once."""
    pages, _ = site
    for _ in range(2):
        pages["vaccination"].save_revision().publish()
        indexing.request_update([pages["vaccination"].pk])
        indexing.process_pending()
    assert SearchWord.objects.get(language="en", folded="vaccination").frequency == 1
    assert SearchWord.objects.get(language="en", folded="vaccines").frequency == 1
    page_id = pages["vaccines"].pk
    pages["vaccines"].delete()
    indexing.request_update([page_id])
    indexing.process_pending()
    gone = ["vaccines", "cold", "chain", "storage"]  # its words, no other page's
    assert not SearchWord.objects.filter(folded__in=gone).exists()
    assert SearchWord.objects.get(language="en", folded="vaccination").frequency == 1


def test_a_recount_gives_the_counts_the_store_keeps(site):
    pages, _ = site
    pages["vaccination"].save_revision().publish()
    indexing.rebuild_store()
    pages["vaccines"].delete()
    indexing.rebuild_store()
    kept = set(SearchWord.objects.values_list("language", "folded", "frequency"))
    call_command("search_index", "vocabulary", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(SearchWord.objects.values_list("language", "folded", "frequency")) == kept
    assert SearchWord.objects.get(language="en", folded="vaccination").frequency == 1
    assert not SearchWord.objects.filter(folded="vaccines").exists()
    assert vocabulary.recount() == SearchWord.objects.count()


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("vaccinaton", "vaccination", 1), ("malria", "malaria", 1), ("mlaaria", "malaria", 1),
     ("cost", "cots", 1), ("abc", "xyz", 3), ("", "ab", 2)],
)  # fmt: skip
def test_edit_distance_counts_a_swap_as_one(a, b, distance):
    assert vocabulary.edit_distance(a, b, 5) == distance


# --- while typing ------------------------------------------------------------------------


def test_vacc_offers_vaccination_and_the_titles_that_begin_so(site, client):
    found = suggestions(client, "vacc")
    assert ("query", "vaccination") in found
    assert ("query", "vaccines") in found
    assert ("page", "Vaccines in the cold chain") in found


def test_the_query_before_the_last_word_is_kept(site, client):
    assert ("query", "remote vaccination") in suggestions(client, "remote vacc")


def test_suggestions_are_in_the_pages_language(site, client):
    assert ("query", "paludisme") in suggestions(client, "palu", lang="fr")
    assert suggestions(client, "palu", lang="en") == []
    assert ("page", "Fièvre") in suggestions(client, "fiè", lang="fr")


def test_countries_are_offered_by_their_name(site, client):
    found = suggestions(client, "mala")
    assert ("country", "Malawi") in found and ("country", "Mali") not in found
    item = next(i for i in client.get(SUGGEST, {"q": "mala"}).json()["suggestions"]
                if i["kind"] == "country")  # fmt: skip
    assert item["url"] == "/countries/mw/"


def test_too_little_to_go_on_offers_nothing(site, client):
    assert suggestions(client, "") == [] and suggestions(client, "v") == []


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"q": "vacc\x00"}, "q", "control characters"),
        ({"q": "vacc\x1b[2J"}, "q", "control characters"),
        ({"q": "v" * 101}, "q", "at most 100 characters"),
        ({"q": "vacc", "lang": "xx"}, "lang", "must be one of"),
    ],
)
def test_a_bad_suggestion_request_is_a_400_naming_it(site, client, params, name, message):
    response = client.get(SUGGEST, params)
    assert response.status_code == 400
    assert message in response.json()["errors"][name]


def test_the_search_box_is_wired_for_suggestions_and_works_without_them(site, client):
    html = client.get("/search/").content.decode()
    assert f'data-suggest="{SUGGEST}"' in html and "portal/js/suggest.js" in html
    assert 'name="q"' in html and 'role="combobox"' not in html  # the script adds the roles


# --- after a search ----------------------------------------------------------------------


def test_a_misspelling_gets_did_you_mean(site, backend, client):
    if backend.uses_queue:
        indexing.rebuild_backend()
    results = get_search_backend().search(SearchParams(q="vaccinaton"))
    assert results.total == 0 and results.did_you_mean == "vaccination"
    html = client.get("/search/?q=vaccinaton").content.decode()
    assert 'Did you mean <a href="?q=vaccination&amp;s=1">vaccination</a>?' in html
    assert client.get("/api/search/?q=vaccinaton").json()["did_you_mean"] == "vaccination"


def test_did_you_mean_corrects_each_unknown_word_in_the_pages_language(site, client):
    assert vocabulary.correct("remote vilages", "en") == "remote villages"
    assert vocabulary.correct("paludisne", "fr") == "paludisme"
    assert vocabulary.correct("paludisne", "en") == ""


def test_no_correction_for_a_search_that_found_enough_or_for_syntax(site, client):
    assert get_search_backend().search(SearchParams(q="vaccination")).did_you_mean == ""
    assert get_search_backend().search(SearchParams(q='"vaccinaton"')).did_you_mean == ""
    html = client.get("/search/?q=vaccination").content.decode()
    assert "Did you mean" not in html


def test_a_page_deleted_while_the_counts_are_uneven_is_deleted(site):
    """A publish during a rebuild can leave a word counted fewer times than its documents;
    uncounting them stops at 0 rather than failing the delete."""
    pages, _ = site
    SearchWord.objects.filter(folded="vaccines").update(frequency=0)
    page_id = pages["vaccines"].pk
    pages["vaccines"].delete()
    indexing.request_update([page_id])
    indexing.process_pending()
    assert not SearchWord.objects.filter(folded="vaccines").exists()
