"""The staff's report of what readers search for (search/report.py): a search counts once
when submitted, not when paged, sorted or faceted; zero-result and no-click queries are
listed per week and language; nothing about who searched is stored."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone

from search import indexing, report
from search.models import SearchQuery

from .factories import FindingsPageFactory, PublicationIndexPageFactory
from .helpers import fresh_home

pytestmark = pytest.mark.django_db
REPORT = "/admin/reports/searches/"


@pytest.fixture
def site():
    home = fresh_home()
    index = PublicationIndexPageFactory(parent=home)
    for n in range(25):
        FindingsPageFactory(parent=index, title=f"Costing study {n}", summary="<p>Costs.</p>")
    indexing.rebuild_store()


def links(html, pattern):
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(\?[^"]*)"', html) if pattern in h]


def test_a_search_counts_once_however_it_is_paged_sorted_and_faceted(site, client):
    first = client.get("/search/", {"q": "costing", "s": "1"})
    assert first.status_code == 200 and SearchQuery.objects.count() == 1
    html = first.content.decode()
    next_page = links(html, "page=2")[0]
    assert "s=1" not in next_page  # links are states of the search, not submissions
    assert 'name="type" value="findings"' in html  # a facet: a checkbox and "Apply filters"
    here = "http://testserver/search/?q=costing&s=1"
    assert client.get(f"/search/{next_page}", headers={"Referer": here}).status_code == 200
    removal = client.get("/search/?q=costing&type=findings", headers={"Referer": here})
    states = links(removal.content.decode(), "q=costing")  # filter removal, pages
    assert states and not [url for url in states if "s=1" in url]
    # the form again, same words, a new sort ("Search" sends s=1): a refinement
    client.get("/search/", {"q": "Costing ", "sort": "title", "s": "1"}, headers={"Referer": here})
    client.get("/search/", {"q": "costing", "type": "findings"}, headers={"Referer": here})
    assert SearchQuery.objects.count() == 1
    row = SearchQuery.objects.get()
    assert (row.query, row.language, row.results) == ("costing", "en", 25)
    # new words from the same page: a new search
    client.get("/search/", {"q": "costs", "s": "1"}, headers={"Referer": here})
    assert SearchQuery.objects.count() == 2


def test_a_submitted_search_is_never_cached_so_each_is_counted(site, client):
    for _ in range(2):
        response = client.get("/search/", {"q": "costing", "s": "1"})
        assert "private" in response["Cache-Control"] and response.get("X-Cache") != "hit"
    assert SearchQuery.objects.filter(query="costing").count() == 2
    paged = client.get("/search/", {"q": "costing", "page": "2"})
    assert client.get("/search/", {"q": "costing", "page": "2"})["X-Cache"] == "hit"
    assert "private" not in paged["Cache-Control"]


def test_nothing_about_the_reader_is_stored(site, client):
    client.get(
        "/search/",
        {"q": "costing", "s": "1"},
        REMOTE_ADDR="203.0.113.9",
        headers={"User-Agent": "Reader-Browser/1.0", "Referer": "https://elsewhere.example/"},
    )
    names = {field.name for field in SearchQuery._meta.get_fields()}
    assert names == {"id", "week", "language", "query", "results", "clicked", "token"}
    row = SearchQuery.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    assert "203.0.113" not in stored and "Reader-Browser" not in stored
    assert "elsewhere" not in stored
    assert row["week"] == report.week_of(timezone.localdate()) and row["week"].weekday() == 0


def test_a_click_on_a_result_is_counted_once_by_its_token(site, client):
    html = client.get("/search/", {"q": "costing", "s": "1"}).content.decode()
    token = re.search(r'data-search-token="([0-9a-f-]{36})"', html).group(1)
    assert client.post("/search/clicked/", {"token": token}).status_code == 204
    assert client.post("/search/clicked/", {"token": token}).status_code == 204
    assert SearchQuery.objects.get().clicked is True
    # a later page of it carries no token (it is cached for every reader)
    assert "data-search-token" not in client.get("/search/?q=costing&page=2").content.decode()


@pytest.mark.parametrize("token", ["", "nope", "1; DROP TABLE", "\x00"])
def test_a_bad_click_is_a_400_naming_the_token(db, client, token):
    response = client.post("/search/clicked/", {"token": token})
    assert response.status_code == 400 and "token" in response.json()["errors"]


def test_a_click_is_only_ever_posted(db, client):
    assert client.get("/search/clicked/").status_code == 405


@pytest.fixture
def searches(site, client):
    for q in ("costing", "costing", "costing", "zzzunknown", "costs"):
        client.get("/search/", {"q": q, "s": "1"})
    SearchQuery.objects.filter(query="costing").update(clicked=True)
    last_week = report.week_of(timezone.localdate()) - datetime.timedelta(weeks=1)
    SearchQuery.objects.create(
        week=last_week, language="fr", query="paludisme", results=0, token=report.uuid.uuid4()
    )


def test_the_report_lists_top_zero_result_and_no_click_queries(searches):
    found = report.summary(report.week_of(timezone.localdate()))
    assert found["searches"] == 5
    assert [(r["query"], r["searches"]) for r in found["top"]][:1] == [("costing", 3)]
    assert [r["query"] for r in found["no_results"]] == ["zzzunknown"]
    assert [r["query"] for r in found["no_click"]] == ["costs"]


def test_staff_see_it_per_week_and_language(searches, admin_client):
    html = admin_client.get(REPORT).content.decode()
    no_results = html[html.index("Queries with no results") :]
    assert "zzzunknown" in no_results and "paludisme" not in html
    assert "5 searches submitted" in html
    last_week = report.week_of(timezone.localdate()) - datetime.timedelta(weeks=1)
    html = admin_client.get(REPORT, {"week": last_week.isoformat(), "language": "fr"})
    html = html.content.decode()
    assert "paludisme" in html and "zzzunknown" not in html
    assert admin_client.get(REPORT, {"week": "garbage", "language": "xx"}).status_code == 200


def test_only_staff_allowed_to_see_it_do(searches, client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    denied = client.get(REPORT)  # Wagtail's admin answers a PermissionDenied with its home
    assert denied.status_code == 302 and denied["Location"] == "/admin/"
    editor.user_permissions.add(Permission.objects.get(codename="view_search_report"))
    editor = django_user_model.objects.get(pk=editor.pk)
    client.force_login(editor)
    assert client.get(REPORT).status_code == 200


def test_old_searches_are_pruned(searches, settings):
    settings.SEARCH_REPORT_WEEKS = 0
    call_command("search_index", "report", "--prune", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not SearchQuery.objects.filter(query="paludisme").exists()
    assert SearchQuery.objects.filter(query="costing").count() == 3
