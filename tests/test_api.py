"""The public API (Wagtail API v2 at /api/v2/): typed fields, taxonomy filters, published pages
only."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from research.models import StudyPage

from .factories import StudyPageFactory
from .helpers import build_search_site

pytestmark = pytest.mark.django_db


def test_demo_studies_with_their_countries_and_timelines(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # The English demo (test_demo_translations.py covers French and Portuguese).
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    data = client.get("/api/v2/pages/", {"type": "research.StudyPage"}).json()
    studies = {item["title"]: item for item in data["items"]}
    assert set(studies) == {"Costing of iCCM", "Improving Data for iCCM", "Policy Analysis of iCCM"}
    for study in studies.values():
        assert study["countries"] and all({"code", "name"} <= set(c) for c in study["countries"])
        assert study["timeline"]["start"] and study["timeline"]["text"]
    detail = client.get(urlsplit(studies["Costing of iCCM"]["meta"]["detail_url"]).path).json()
    assert detail["aim"] and detail["objectives"] and detail["implementers"]


@pytest.fixture
def site():
    return build_search_site()


def titles(client, **params):
    response = client.get("/api/v2/pages/", {**params, "limit": 50})
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


def test_drafts_and_private_pages_never_appear(client, site):
    everything = titles(client)
    assert "Costing draft" not in everything and "Costing private" not in everything
    draft = StudyPageFactory(parent=site.area, title="Unpublished study", live=False)
    assert "Unpublished study" not in titles(client, type="research.StudyPage")
    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v2/pages/{site.private.pk}/").status_code == 404


def test_taxonomy_filters_work_across_page_types(client, site):
    mali = titles(client, country="ml")
    assert {
        "Improving Data for iCCM",
        "Policy Analysis of iCCM",
    } <= mali and "Costing of iCCM" not in mali
    assert titles(client, country="ML,RW") == mali | titles(client, country="RW")
    assert titles(client, country="ML", type="research.StudyPage") == {
        "Improving Data for iCCM",
        "Policy Analysis of iCCM",
    }
    costing = site.s1.slug
    assert "Development of a Costing and Financing Tool" in titles(client, study=costing)


def test_typed_fields_of_outputs(client, site):
    data = client.get(
        "/api/v2/pages/", {"type": "research.FindingsPage", "fields": "summary,category"}
    ).json()
    item = next(
        i for i in data["items"] if i["title"] == "Development of a Costing and Financing Tool"
    )
    assert item["studies"] and item["studies"][0]["title"] == "Costing of iCCM" and item["summary"]


@pytest.mark.parametrize(
    "params", [{"country": ","}, {"nonsense": "1"}, {"type": "no.SuchPage"}, {"study": "x" * 101}]
)
def test_bad_parameters_answer_400_with_a_message(client, site, params):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 400 and response.json()["message"]


def test_read_only_and_images_and_documents(client, site):
    assert client.post("/api/v2/pages/", {}).status_code == 405
    assert client.get("/api/v2/images/").status_code == 200
    assert client.get("/api/v2/documents/").status_code == 200
    assert client.delete(f"/api/v2/pages/{site.s1.pk}/").status_code == 405
    assert StudyPage.objects.filter(pk=site.s1.pk).exists(), "a refused DELETE deletes nothing"
