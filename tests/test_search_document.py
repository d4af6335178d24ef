"""The search document is declared once (search/documents.py FIELDS); the rest derives from it."""

import dataclasses
import pathlib
import re

import pytest

from search import store
from search.backends.cluster import SOURCE_FIELDS, ClusterBackend
from search.documents import (
    FIELDS,
    HIT_FIELDS,
    TAGS,
    Document,
    StoredHit,
    documents_for,
    hit_from_source,
    indexed_models,
)
from search.models import SearchDocument

from .helpers import build_site

SEARCH = pathlib.Path(__file__).resolve().parent.parent / "search"


def test_the_cluster_mapping_and_source_come_from_the_declaration():
    backend = ClusterBackend(URL="http://127.0.0.1:1")
    properties = backend.index_body()["mappings"]["properties"]
    assert list(properties) == [field.name for field in FIELDS]
    assert properties["title"] == {"type": "text", "analyzer": "english"}
    assert properties["url"] == {"type": "keyword", "index": False}
    assert [field.name for field in HIT_FIELDS] == SOURCE_FIELDS


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
