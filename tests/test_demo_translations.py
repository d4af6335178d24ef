"""The demo in French and Portuguese: wagtail-localize translations loaded from PO files."""

import copy
import html
import io
import json
import re
import shutil

import polib
import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Locale, Page, Revision
from wagtail_localize.models import Translation

from portal.demo.loader import DATA_FILE, DemoLoader
from portal.demo.translations import (
    LANGUAGES,
    PO_DIR,
    MissingTranslationsError,
    coverage,
    demo_items,
    update_source,
)
from research.models import Organization, StudyPage, Topic

from .helpers import loaded_once

FR_ICCM = (
    "/fr/domaines-de-recherche/strategies-de-soins-communautaires/"
    "prise-en-charge-integree-communautaire/"
)
PT_ICCM = (
    "/pt/areas-de-investigacao/estrategias-de-cuidados-comunitarios/"
    "gestao-integrada-de-casos-na-comunidade/"
)


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    with loaded_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def demo(db, loaded):
    return loaded


def text(response):
    """The page's text as a reader sees it (entities decoded)."""
    assert response.status_code == 200
    return html.unescape(response.content.decode())


class TestTheLoadedDemo:
    """The demo and its translations loaded once for these tests (a savepoint each)."""

    def test_every_demo_page_has_a_live_french_and_portuguese_translation(self, client, demo):
        english = Page.objects.filter(depth__gte=2, locale__language_code="en")
        assert english.count() == 18
        for page in english:
            translations = Page.objects.filter(translation_key=page.translation_key)
            assert sorted(translations.values_list("locale__language_code", flat=True)) == [
                "en",
                "fr",
                "pt",
            ], page.url_path
            for translation in translations.exclude(pk=page.pk):
                assert translation.live, translation.url_path
                assert client.get(translation.url).status_code == 200, translation.url
                assert re.fullmatch(r"/(fr|pt)/[a-z0-9/-]*", translation.url), translation.url
        for model in (Topic, Organization):
            for source in model.objects.filter(locale__language_code="en"):
                assert model.objects.filter(translation_key=source.translation_key).count() == 3

    def test_the_language_roots_are_the_translated_home_page(self, client, demo):
        assert "TRAction soutient trois études de recherche qui visent à améliorer" in text(
            client.get("/fr/")
        )
        assert "O TRAction está a apoiar três estudos de investigação" in text(client.get("/pt/"))
        assert "TRAction is supporting three research studies" in text(client.get("/"))

    def test_the_french_and_portuguese_iccm_pages_hold_the_translated_seed_text(self, client, demo):
        fr = text(client.get(FR_ICCM))
        assert (
            "<h1>Prise en charge intégrée des maladies de l'enfant au niveau communautaire</h1>"
            in fr
        )
        assert (
            "La prise en charge intégrée des maladies de l'enfant au niveau communautaire (iCCM) "
            "est une stratégie de soins communautaires" in fr
        )
        assert "dont l'OMS, l'UNICEF et l'USAID" in fr
        assert "TRAction mène plusieurs activités pour partager les résultats de recherche" in fr
        assert "including the WHO, UNICEF, and USAID" not in fr
        assert fr.count('class="study-card"') == 3
        pt = text(client.get(PT_ICCM))
        assert "<h1>Gestão Integrada de Casos na Comunidade</h1>" in pt
        assert "incluindo a OMS, a UNICEF e a USAID" in pt

    def test_a_french_study_keeps_the_seed_facts_and_its_objectives_in_order(self, client, demo):
        page = text(client.get(FR_ICCM + "ameliorer-les-donnees-pour-l-iccm/"))
        assert "L'objectif de cette étude était d'améliorer le suivi des programmes iCCM." in page
        objectives = re.search(r'<ul class="objectives">(.*?)</ul>', page, re.S).group(1)
        assert re.findall(r"<li>(.*?)</li>", objectives) == [
            "Évaluer les systèmes de suivi et d'évaluation (S&E) de l'iCCM",
            "Identifier les lacunes prioritaires des systèmes de S&E de l'iCCM et les approches "
            "innovantes possibles de collecte des données",
            "Examiner la faisabilité, le coût et la qualité des approches innovantes",
            "Documenter les avantages et l'utilisation d'un S&E amélioré de l'iCCM dans les "
            "décisions programmatiques",
        ]
        study = StudyPage.objects.get(
            locale__language_code="fr", slug="ameliorer-les-donnees-pour-l-iccm"
        )
        english = study.get_translation(study.get_default_locale())
        assert (study.start_month, study.end_month) == (english.start_month, english.end_month)
        assert list(study.countries.all()) == list(english.countries.all())
        assert study.hero_image_id == english.hero_image_id, "images are shared, captions and all"

    def test_topics_are_translated_and_keep_their_slug(self, demo):
        topic = Topic.objects.get(locale__language_code="fr", slug="iccm")
        assert topic.name == (
            "Prise en charge intégrée des maladies de l'enfant au niveau communautaire (PCIME-C)"
        )
        assert Topic.objects.get(locale__language_code="pt", slug="child-mortality").name == (
            "Mortalidade infantil"
        )

    def test_loading_again_keeps_one_translation_per_page_and_locale(self, demo):
        assert "56 saved" in demo
        before = (Page.objects.count(), Revision.objects.count(), Translation.objects.count())
        out = io.StringIO()
        call_command("load_demo_content", stdout=out)
        assert "0 saved" in out.getvalue()
        assert (
            Page.objects.count(),
            Revision.objects.count(),
            Translation.objects.count(),
        ) == before
        assert Translation.objects.count() == 28 * len(LANGUAGES)
        for page in Page.objects.filter(depth__gte=2, locale__language_code="en"):
            assert Page.objects.filter(translation_key=page.translation_key).count() == 3

    def test_pages_edited_by_hand_are_restored_in_every_language(self, demo):
        page = Page.objects.get(locale__language_code="fr", slug="actualites").specific
        page.title = "Changé à la main"
        page.save_revision().publish()
        study = StudyPage.objects.get(locale__language_code="en", slug="costing-of-iccm")
        study.aim = "Changed by hand"
        study.save_revision().publish()
        call_command("load_demo_content", stdout=io.StringIO())
        page.refresh_from_db()
        assert page.title == "Actualités"
        assert Page.objects.filter(translation_key=page.translation_key).count() == 3
        french = study.get_translation(Locale.objects.get(language_code="fr")).specific
        assert french.aim.startswith("L'objectif de ce projet était d'élaborer")
        assert StudyPage.objects.filter(translation_key=study.translation_key).count() == 3

    def test_a_changed_english_string_stops_the_load_and_names_page_and_string(self, demo):
        french = Page.objects.get(locale__language_code="fr", slug="estimation-des-couts-de-l-iccm")
        aim = "The aim of this project was to try a new sentence."
        with pytest.raises(MissingTranslationsError) as refused:
            DemoLoader(data=changed_demo(aim)).run()
        message = str(refused.value)
        for language in LANGUAGES:
            assert f"{language}/pages/costing-of-iccm.po, page “Costing of iCCM”" in message
        assert f"no translation of aim: {aim!r}" in message
        assert (
            "no longer in the English demo: aim: 'The aim of this project was to develop" in message
        )
        assert "demo_translations export" in message
        french.refresh_from_db()
        assert french.specific.aim.startswith("L'objectif de ce projet était d'élaborer")
        english = StudyPage.objects.get(locale__language_code="en", slug="costing-of-iccm")
        assert english.aim.startswith("The aim of this project was to develop"), (
            "nothing was loaded"
        )


# --- the PO files and the English demo ----------------------------------------------------


def test_the_po_files_translate_every_string_of_the_english_demo(db):
    """Fails when the English demo changes and the PO files are not updated."""
    loader = DemoLoader(translations=False)
    loader.run()
    items = demo_items(loader)
    problems = []
    for language in LANGUAGES:
        for item in items:
            source, _ = update_source(item.instance)
            file = PO_DIR / language / item.path
            assert file.exists(), f"{file} is missing ({item.label})"
            po = polib.pofile(str(file))
            assert "translation of the demo content" in po.header, file
            assert "TRAction Project's" in po.header and "iCCM" in po.header, file
            missing, stale = coverage(source, po)
            problems += [f"{language}/{item.path}: no translation of {m}" for m in missing]
            problems += [f"{language}/{item.path}: no longer in English: {s}" for s in stale]
        files = {str(p.relative_to(PO_DIR / language)) for p in (PO_DIR / language).rglob("*.po")}
        assert files == {item.path for item in items}, "a PO file for each object, no others"
    assert problems == []


def test_export_writes_the_committed_po_files(db, tmp_path):
    """The PO files are exactly what `demo_translations export` writes: wagtail-localize's
    segments, with the committed translations kept."""
    shutil.copytree(PO_DIR, tmp_path / "po")
    call_command("demo_translations", "export", dir=str(tmp_path / "po"), stdout=io.StringIO())
    for file in PO_DIR.rglob("*.po"):
        exported = tmp_path / "po" / file.relative_to(PO_DIR)
        assert exported.read_text() == file.read_text(), file
    out = io.StringIO()
    call_command("demo_translations", "check", stdout=out)
    assert "Every PO file translates every string" in out.getvalue()


def changed_demo(aim):
    data = json.loads(DATA_FILE.read_text())
    changed = copy.deepcopy(data)
    area = changed["home"]["children"][0]["children"][0]["children"][0]
    study = next(child for child in area["children"] if child["slug"] == "costing-of-iccm")
    study["fields"]["aim"] = aim
    return changed


def test_the_command_reports_missing_translations_as_an_error(db, monkeypatch, tmp_path):
    shutil.copytree(PO_DIR, tmp_path / "po")
    (tmp_path / "po" / "pt" / "pages" / "news.po").unlink()
    monkeypatch.setattr("portal.demo.translations.PO_DIR", tmp_path / "po")
    with pytest.raises(CommandError, match=r"pt/pages/news\.po, page “News” \(/news/\): no PO"):
        call_command("load_demo_content", stdout=io.StringIO())
    assert not Page.objects.filter(locale__language_code="fr").exists()
    call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    assert Page.objects.filter(locale__language_code="en", depth__gte=2).count() == 18
    assert not Page.objects.filter(locale__language_code="pt").exists()


def test_the_load_indexes_each_page_for_the_admin_once_done(db, django_capture_on_commit_callbacks):
    """The loader defers Wagtail's per-save reference and admin-search updates (portal/bulk.py);
    each page must still be in both when it is done."""
    from wagtail.models import ReferenceIndex
    from wagtail.search.backends import get_search_backend

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())
    french = Page.objects.get(locale__language_code="fr", slug="actualites")
    found = get_search_backend().search("Actualités", Page.objects.filter(pk=french.pk))
    assert list(found) == [french]
    study = StudyPage.objects.get(locale__language_code="fr", slug="estimation-des-couts-de-l-iccm")
    assert ReferenceIndex.get_references_for_object(study).exists(), "its topics and countries"
