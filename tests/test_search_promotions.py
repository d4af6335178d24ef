"""Promoted results (search/promotions.py): staff pin a page or an external link to a query, and
it comes first, marked as recommended, on every backend, on the page and in the API."""

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction

from search import promotions
from search.backends import get_search_backend
from search.query import SearchParams

from .factories import FindingsPageFactory, PublicationIndexPageFactory
from .helpers import fresh_home, reindex

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(backend):
    home = fresh_home()
    index = PublicationIndexPageFactory(parent=home)
    found = {
        "best": FindingsPageFactory(
            parent=index, title="Costing tool", summary="<p>Costing of iCCM in Malawi.</p>"
        ),
        "pinned": FindingsPageFactory(
            parent=index, title="Policy brief", summary="<p>What iCCM costs, briefly.</p>"
        ),
        "unrelated": FindingsPageFactory(
            parent=index, title="Lessons learned", summary="<p>Three studies.</p>"
        ),
    }
    reindex()
    return found


def promote(query, page=None, **fields):
    return SearchPromotion.objects.create(query=Query.get(query), page=page, **fields)


def search(q, **params):
    return get_search_backend().search(SearchParams(q=q, **params))


def test_a_promoted_page_comes_first_and_is_not_repeated(pages):
    promote("costing", pages["pinned"], description="The brief for policymakers.")
    results = search("costing")
    assert [p.title for p in results.promoted] == ["Policy brief"]
    assert results.promoted[0].description == "The brief for policymakers."
    assert "Policy brief" not in [hit.title for hit in results.hits]
    # a page pinned to a query it does not match is shown all the same
    promote("malawi", pages["unrelated"])
    assert [p.title for p in search("Malawi").promoted] == ["Lessons learned"]


def test_a_saved_or_deleted_promotion_applies_to_the_next_search(pages):
    assert not search("costing").promoted  # the promoted queries are now cached: none
    promotion = promote("costing", pages["pinned"])
    assert [p.title for p in search("costing").promoted] == ["Policy brief"]
    promotion.delete()
    assert not search("costing").promoted


def test_a_query_nobody_promoted_asks_the_database_nothing(pages, django_assert_num_queries):
    promote("costing", pages["pinned"])
    assert promotions.for_search(SearchParams(q="costing"))  # reads and caches the queries
    with django_assert_num_queries(0):
        assert promotions.for_search(SearchParams(q="malawi")) == []


def test_the_query_is_matched_as_staff_typed_it_whatever_the_case(pages):
    promote("Costing", pages["pinned"])
    assert search("  COSTING ").promoted and not search("costing tool").promoted


def test_an_external_link_can_be_promoted(pages):
    promote(
        "costing",
        external_link_url="https://example.org/tool",
        external_link_text="The costing tool",
    )
    (promotion,) = search("costing").promoted
    assert (promotion.title, promotion.url, promotion.external) == (
        "The costing tool",
        "https://example.org/tool",
        True,
    )


def test_promotions_keep_the_editors_order(pages):
    promote("iccm", pages["unrelated"], sort_order=1)
    promote("iccm", pages["pinned"], sort_order=0)
    assert [p.title for p in search("iccm").promoted] == ["Policy brief", "Lessons learned"]


def test_only_the_first_page_of_an_unnarrowed_search_shows_them(pages):
    promote("iccm", pages["pinned"])
    assert search("iccm").promoted
    assert not search("iccm", page=2, page_size=1).promoted
    assert not search("iccm", filters={"type": ("findings",)}).promoted


def test_an_unpublished_or_private_page_is_not_promoted(pages):
    promote("iccm", pages["pinned"])
    pages["pinned"].unpublish()
    assert not search("iccm").promoted
    pages["unrelated"].save_revision().publish()
    promote("iccm", pages["unrelated"])
    PageViewRestriction.objects.create(page=pages["unrelated"], restriction_type="login")
    assert not search("iccm").promoted


def test_the_page_and_the_api_say_it_is_recommended(pages, client):
    promote("costing", pages["pinned"], description="The brief for policymakers.")
    html = client.get("/search/?q=costing").content.decode()
    recommended = html.index("Recommended")
    assert recommended < html.index("Policy brief") < html.index("Costing tool")
    assert 'aria-label="Recommended"' in html and "The brief for policymakers." in html
    data = client.get("/api/search/?q=costing").json()
    assert data["promoted"] == [
        {
            "title": "Policy brief",
            "url": pages["pinned"].url,
            "description": "The brief for policymakers.",
            "external": False,
            "recommended": True,
        }
    ]
    assert "Policy brief" not in [hit["title"] for hit in data["results"]]


def test_a_new_promotion_purges_the_cached_search_page(pages, client):
    client.get("/search/?q=costing")
    assert client.get("/search/?q=costing")["X-Cache"] == "hit"
    promote("costing", pages["unrelated"])
    again = client.get("/search/?q=costing")
    assert again["X-Cache"] == "miss" and b"Lessons learned" in again.content


def test_staff_manage_promotions_in_the_admin(pages, admin_client):
    promote("costing", pages["pinned"])
    listing = admin_client.get("/admin/searchpicks/")
    assert listing.status_code == 200 and b"costing" in listing.content
    menu = admin_client.get("/admin/").content
    assert b"/admin/searchpicks/" in menu  # Settings → Promoted search results
    assert b"/admin/reports/locked/" in menu  # the reports menu is there, without
    assert b"/admin/searchpicks/reports/search-terms/" not in menu  # Wagtail's: empty here
