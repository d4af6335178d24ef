"""The search document is declared once (search/documents.py FIELDS); the rest derives from it."""

import dataclasses
import pathlib
import re

import pytest

from search import languages, store
from search.backends.cluster import ClusterBackend
from search.collect import documents_for, indexed_models
from search.documents import (
    FIELDS,
    HIT_FIELDS,
    TAGS,
    TEXT,
    Document,
    StoredHit,
    hit_from_source,
    source_fields,
)
from search.models import SearchDocument

from .helpers import build_site, build_trilingual_search_site, translate_with_parents

SEARCH = pathlib.Path(__file__).resolve().parent.parent / "search"


def test_the_cluster_mapping_and_source_come_from_the_declaration():
    """One text field per field and language, each with its language's analyser."""
    backend = ClusterBackend(URL="http://127.0.0.1:1")
    body = backend.index_body()
    properties = body["mappings"]["properties"]
    codes = languages.codes()
    assert codes == ["en", "fr", "pt"]
    expected = [
        name
        for field in FIELDS
        for name in ([f"{field.name}_{c}" for c in codes] if field.kind == TEXT else [field.name])
    ]
    assert list(properties) == expected
    assert properties["title_fr"] == {"type": "text", "analyzer": "portal_fr"}
    # Snippets are cut from these: their offsets are indexed, so highlighting reads them
    body_pt = {"type": "text", "analyzer": "portal_pt", "index_options": "offsets"}
    assert properties["body_pt"] == body_pt
    assert properties["attachments_en"]["index_options"] == "offsets"
    assert properties["language"] == {"type": "keyword"}
    assert properties["url"] == {"type": "keyword", "index": False}
    analysis = body["settings"]["analysis"]
    assert set(analysis["analyzer"]) == {"portal_en", "portal_fr", "portal_pt"}
    assert analysis["analyzer"]["portal_fr"]["filter"] == [
        "lowercase", "portal_fr_elision", "portal_apostrophes", "asciifolding", "portal_fr_stop",
        "portal_fr_stemmer",
    ]  # fmt: skip
    assert analysis["filter"]["portal_pt_stemmer"] == {"type": "snowball", "language": "Portuguese"}
    hit_text = [f"{f.name}_{c}" for f in HIT_FIELDS if f.kind == TEXT for c in codes]
    assert set(source_fields(codes)) == {f.name for f in HIT_FIELDS if f.kind != TEXT} | set(
        hit_text
    )
    standard = ClusterBackend(URL="http://127.0.0.1:1", ANALYZER="standard").index_body()
    assert "analysis" not in standard["settings"], "a node without analysis-common"
    assert standard["mappings"]["properties"]["title_fr"]["analyzer"] == "standard"


def test_the_store_and_the_dataclasses_come_from_the_declaration():
    columns = {f.attname for f in SearchDocument._meta.concrete_fields} - {"id", "indexed_at"}
    assert columns == {field.name for field in FIELDS if field.kind != TAGS}
    assert [f.name for f in dataclasses.fields(Document)] == [field.name for field in FIELDS]
    hit_fields = [f.name for f in dataclasses.fields(StoredHit)]
    assert hit_fields == [field.name for field in HIT_FIELDS] + ["highlight"]


@pytest.mark.django_db
def test_a_document_survives_the_store_and_the_cluster_source_unchanged():
    site = build_site()
    docs = documents_for(site.supplement) + documents_for(site.study)
    assert {doc.key.split(":")[0] for doc in docs} == {"page", "article"}
    store.replace_documents(docs)
    loaded = store.load_documents([doc.key for doc in docs])
    assert [loaded[doc.key] for doc in docs] == docs
    for doc in docs:
        assert doc.language == "en" and doc.as_source()["title_en"] == doc.title
        assert "title" not in doc.as_source() and "title_fr" not in doc.as_source()
        hit = hit_from_source(doc.as_source())
        assert {f.name: getattr(hit, f.name) for f in HIT_FIELDS} == {
            f.name: getattr(doc, f.name) for f in HIT_FIELDS
        }


def test_every_searched_page_type_declares_itself():
    labels = {model._meta.label for model in indexed_models()}
    assert labels == {
        "research.StudyPage",
        "research.FindingsPage",
        "research.ResearchAreaPage",
        "briefs.PolicyBriefPage",
        "briefs.JournalSupplementPage",
        "briefs.NewsPage",
    }


def test_search_has_no_branch_on_a_particular_page_model():
    pattern = re.compile(r"(isinstance|issubclass)\(.*Page\b|_meta\.label ==|\"\w+\.\w+Page\"")
    found = [
        f"{path.relative_to(SEARCH.parent)}:{number}: {line.strip()}"
        for path in SEARCH.rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


@pytest.mark.django_db
def test_a_document_is_in_its_pages_language_and_names_its_taxonomy_in_it():
    """French and Portuguese documents: their language, their countries and topics named in
    it in the body text, their study by the default locale's slug, their type untranslated."""
    site = build_trilingual_search_site()
    french = documents_for(site.fr_findings)[0]
    assert french.language == "fr"
    assert french.studies == ["policy-analysis"], "the study's English page's slug"
    assert "Politiques publiques" in french.body, "the topic's French name"
    assert "Policy" not in french.body.split()
    education = documents_for(site.fr_education)[0]
    assert "Éthiopie" in education.body and "Ethiopia" not in education.body
    portuguese = documents_for(site.pt_findings)[0]
    assert portuguese.language == "pt" and "Moçambique" in portuguese.body
    assert documents_for(site.fr_study)[0].studies == ["policy-analysis"]
    english = documents_for(site.s3)[0]
    assert english.language == "en" and english.studies == ["policy-analysis"]
    assert "Policy" in english.body
    assert french.type_name == "Findings"


@pytest.mark.django_db
def test_articles_take_their_supplements_language_and_aliases_are_not_searched():
    from wagtail.models import Locale, Page

    site = build_trilingual_search_site()
    aliases = Page.objects.filter(alias_of__isnull=False)
    assert aliases.exists(), "translating made aliases of the untranslated parents"
    assert all(documents_for(page) == [] for page in aliases)
    assert not SearchDocument.objects.filter(page__alias_of__isnull=False).exists()
    french = translate_with_parents(site.supplement, "fr", title="Supplément")
    article = french.articles.get()
    portuguese = Locale.objects.get(language_code="pt")
    type(article).objects.filter(pk=article.pk).update(locale=portuguese)  # not its page's
    docs = documents_for(french)
    assert [doc.key for doc in docs] == [f"page:{french.pk}", f"article:{article.pk}"]
    assert [doc.language for doc in docs] == ["fr", "fr"], "an article has its page's language"
