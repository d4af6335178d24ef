"""Translators' work in the admin, through wagtail-localize on Wagtail 8: submit a page and
its subtree for translation, edit in the segment editor, round-trip a PO file, publish, and
translate a topic snippet. wagtail-localize calls its Wagtail 8 support provisional; these
tests are where the suite decides."""

import io

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Locale

from research.models import Topic

from .helpers import build_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_site()


def french():
    return Locale.objects.get(language_code="fr")


def submit(admin_client, page, subtree=False):
    url = reverse("wagtail_localize:submit_page_translation", args=[page.pk])
    assert admin_client.get(url).status_code == 200
    data = {"locales": [french().pk], **({"include_subtree": "on"} if subtree else {})}
    return admin_client.post(url, data)


def test_a_subtree_is_submitted_and_translated_through_a_po_file(
    admin_client, site, django_capture_on_commit_callbacks
):
    from wagtail_localize.models import Translation

    assert submit(admin_client, site.home, subtree=True).status_code == 302
    home_fr = site.home.get_translation(french())
    study_fr = site.study.get_translation(french())
    assert not study_fr.live, "a translation starts as a draft"
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[study_fr.pk]))
    assert edit.status_code == 200 and b"wagtail_localize" in edit.content

    translation = Translation.objects.get(
        source__object_id=site.study.translation_key, target_locale=french()
    )
    download = admin_client.get(reverse("wagtail_localize:download_pofile", args=[translation.pk]))
    po = polib.pofile(download.content.decode())
    titles = [entry for entry in po if entry.msgid == site.study.title]
    assert titles, "the study's title is a segment"
    for entry in po:
        entry.msgstr = "Coût de la PCIME-C" if entry.msgid == site.study.title else entry.msgid
    upload = admin_client.post(
        reverse("wagtail_localize:upload_pofile", args=[translation.pk]),
        {"file": SimpleUploadedFile("study.po", str(po).encode(), "text/x-gettext-translation")},
    )
    assert upload.status_code == 302
    translation.refresh_from_db()
    assert translation.get_progress()[0] == translation.get_progress()[1], "every segment done"
    with django_capture_on_commit_callbacks(execute=True):  # wagtail-localize publishes then
        for page in (site.home, site.areas, site.area, site.subarea):
            Translation.objects.get(source__object_id=page.translation_key).save_target(
                publish=True
            )
        translation.save_target(publish=True)
    study_fr.refresh_from_db()
    assert study_fr.live and study_fr.title == "Coût de la PCIME-C"
    assert home_fr.url == "/fr/"
    assert "Coût de la PCIME-C" in admin_client.get(study_fr.url).text


def test_a_topic_snippet_is_translated(admin_client, site):
    url = reverse(
        "wagtail_localize:submit_snippet_translation",
        args=["research", "topic", site.topic.pk],
    )
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"locales": [french().pk]}).status_code == 302
    copy = Topic.objects.get(translation_key=site.topic.translation_key, locale=french())
    assert copy.slug == site.topic.slug, "the slug is synchronised: the facet key stays"


def test_a_bad_po_file_is_a_message_not_a_500(admin_client, site):
    from wagtail_localize.models import Translation

    submit(admin_client, site.home)
    translation = Translation.objects.get(source__object_id=site.home.translation_key)
    response = admin_client.post(
        reverse("wagtail_localize:upload_pofile", args=[translation.pk]),
        {"file": SimpleUploadedFile("x.po", io.BytesIO(b"\xff\xfe not a po").read())},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Please upload a valid PO file" in response.content


def test_editors_may_submit_translations(client, site, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("ed", "ed@example.org", "password")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    url = reverse("wagtail_localize:submit_page_translation", args=[site.study.pk])
    assert client.get(url).status_code == 200
    reader = django_user_model.objects.create_user("reader", "r@example.org", "password")
    client.force_login(reader)
    assert client.get(url).status_code in (302, 403), "no admin access, no translating"


def test_a_sync_copies_the_sources_new_taxonomy_and_studies(
    admin_client, site, django_capture_on_commit_callbacks
):
    from wagtail_localize.models import Translation

    from .factories import TopicFactory

    submit(admin_client, site.home, subtree=True)
    translations = Translation.objects.filter(target_locale=french())
    with django_capture_on_commit_callbacks(execute=True):
        for translation in translations:
            translation.save_target(publish=True)  # untranslated segments stay English
    policy = TopicFactory(name="Policy")
    site.brief.topics.add(policy)
    site.brief.save_revision().publish()
    translation = translations.get(source__object_id=site.brief.translation_key)
    translation.source.update_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        translation.save_target(publish=True)
    brief_fr = site.brief.get_translation(french()).specific
    assert policy in brief_fr.topics.all(), "the English edit reached the French page"
    assert list(brief_fr.studies.all()) == [site.study]
