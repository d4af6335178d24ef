"""Bad input in the admin gives a form error naming the problem, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from briefs.models import JournalSupplementPage, normalise_doi
from research.models import Country, StudyPage

from .helpers import build_site, page_form, supplement_form


@pytest.fixture
def site(db):
    return build_site()


def add_page(client, parent, model, data):
    url = reverse(
        "wagtailadmin_pages:add", args=[model._meta.app_label, model._meta.model_name, parent.pk]
    )
    return client.post(url, {**data, "action-publish": "action-publish"})


def study_data(site, **overrides):
    fields = {
        "title": "A study",
        "slug": "a-study",
        "hero_image": "",
        "hero_caption": "",
        "hero_credit": "",
        "aim": "An aim.",
        "objectives_intro": "",
        "objectives": inline_formset([]),
        "implementers": inline_formset([{"organization": site.msh.pk}], min=1),
        "locations": inline_formset([{"country": site.mali.pk}], min=1),
        "start_month": "2011-12",
        "end_month": "2014-05",
        "body": streamfield([]),
    }
    fields.update(overrides)
    return page_form(**fields)


def test_end_month_before_start_month_is_a_form_error(admin_client, site):
    response = add_page(
        admin_client,
        site.subarea,
        StudyPage,
        study_data(site, start_month="2014-05", end_month="2011-12"),
    )
    assert response.status_code == 200
    assert "The end month must not be before the start month." in response.content.decode()
    assert not StudyPage.objects.filter(slug="a-study").exists()


@pytest.mark.parametrize("bad", ["March 2011", "2011-13", "<script>"])
def test_malformed_month_is_a_form_error(admin_client, site, bad):
    response = add_page(admin_client, site.subarea, StudyPage, study_data(site, start_month=bad))
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_study_needs_an_implementer_and_a_country(admin_client, site):
    data = study_data(
        site, implementers=inline_formset([], min=1), locations=inline_formset([], min=1)
    )
    response = add_page(admin_client, site.subarea, StudyPage, data)
    assert response.status_code == 200
    assert not StudyPage.objects.filter(slug="a-study").exists()


def test_month_is_stored_as_the_first_of_the_month(admin_client, site):
    response = add_page(admin_client, site.subarea, StudyPage, study_data(site))
    assert response.status_code == 302
    study = StudyPage.objects.get(slug="a-study")
    assert (study.start_month.day, study.end_month.day) == (1, 1)


@pytest.mark.parametrize("doi", ["not-a-doi", "10.12/short", "doi:11.1093/x", "https://doi.org/"])
def test_malformed_doi_is_a_form_error(admin_client, site, doi):
    data = {**supplement_form(title="Supplement X", doi=doi), "slug": "supplement-x"}
    response = add_page(admin_client, site.publications, JournalSupplementPage, data)
    assert response.status_code == 200
    assert "Enter a DOI like 10.1093/heapol/czu001" in response.content.decode()
    assert not JournalSupplementPage.objects.filter(slug="supplement-x").exists()


@pytest.mark.parametrize(
    ("raw", "bare"),
    [
        ("10.1093/heapol/czu001", "10.1093/heapol/czu001"),
        (" https://doi.org/10.1093/heapol/czu001 ", "10.1093/heapol/czu001"),
        ("doi:10.1093/heapol/czu001", "10.1093/heapol/czu001"),
        ("", ""),
    ],
)
def test_doi_forms_are_normalised(raw, bare):
    assert normalise_doi(raw) == bare


def test_normalise_doi_rejects_garbage():
    with pytest.raises(ValidationError):
        normalise_doi("javascript:alert(1)")


def test_image_without_alt_text_is_a_form_error(admin_client, site):
    image_file = site.image.file
    image_file.open("rb")
    upload = SimpleUploadedFile("photo.jpg", image_file.read(), content_type="image/jpeg")
    before = get_image_model().objects.count()
    response = admin_client.post(
        reverse("wagtailimages:add"),
        {
            "title": "No alt",
            "file": upload,
            "alt_text": "",
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["alt_text"] == ["This field is required."]
    assert get_image_model().objects.count() == before


def test_country_code_must_be_iso_alpha2(admin_client, site):
    url = reverse("wagtailsnippets_research_country:add")
    response = admin_client.post(
        url, {"name": "Senegal", "code": "SEN", "region": "western-africa"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    response = admin_client.post(url, {"name": "Senegal", "code": "S1", "region": "western-africa"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Enter the two-letter ISO 3166-1 alpha-2 code, e.g. ML."
    ]
    response = admin_client.post(url, {"name": "Senegal", "code": "sn", "region": "western-africa"})
    assert response.status_code == 302
    assert Country.objects.get(name="Senegal").code == "SN"


def test_study_form_rejects_unknown_country_id(admin_client, site):
    data = study_data(site, locations=inline_formset([{"country": 999999}], min=1))
    response = add_page(admin_client, site.subarea, StudyPage, data)
    assert response.status_code == 200
    assert not StudyPage.objects.filter(slug="a-study").exists()


def test_nested_form_data_helper_is_used_as_expected():
    # Guard for the tuple convention page_form relies on.
    assert nested_form_data({"studies": (1, 2)}) == {"studies": (1, 2)}
