"""Each language's analysis is declared once (search/languages.py), and every backend applies it.

The database has a full-text column set (SQLite) or a text search configuration (PostgreSQL)
for every configured language, and the Python analyser, OpenSearch's analysers and
PostgreSQL's configurations turn the same text into the same terms.
"""

import json
import os
import urllib.request
import uuid

import pytest
from django.db import connection
from django.http import QueryDict

from search import fulltext, languages
from search.query import InvalidSearch, SearchParams

pytestmark = pytest.mark.django_db

# Words each language must fold, stem, split and stop as the others do.
SAMPLES = {
    "en": "The children's evaluations of community policies in Côte d'Ivoire were costed",
    "fr": "L'éducation des politiques publiques : évaluations qu'il fit des hôpitaux nationaux "
    "au Moçambique, œuvre de l'été",
    "pt": "Políticas públicas de educação em Moçambique: avaliações das crianças vacinadas "
    "não são água",
}


def python_terms(code):
    return [term for term in languages.get(code).terms(SAMPLES[code]) if term != languages.STOP]


def test_every_configured_language_is_declared():
    assert languages.codes() == ["en", "fr", "pt"]
    assert [language.name for language in languages.languages()] == [
        "English",
        "Français",
        "Português",
    ]
    assert languages.get("pt-br").code == "pt" and languages.get("de").code == "en"


def test_the_database_indexes_every_configured_language():
    """Migration 0004 freezes the languages of its day: a language added to settings fails
    here until a migration adds its full-text columns or configuration."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA table_info({fulltext.FTS})")
            columns = {row[1] for row in cursor.fetchall()}
            for code in languages.codes():
                assert set(fulltext.sqlite_columns(code)) <= columns, code
        else:
            cursor.execute("SELECT cfgname FROM pg_ts_config")
            configs = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
                "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
                "WHERE a.attname = 'search_vector' AND d.adrelid = %s::regclass",
                ["portal_search_searchdocument"],
            )
            vector = cursor.fetchone()[0]
            for language in languages.languages():
                assert language.postgres_config in configs
                assert f"'{language.code}'" in vector and language.postgres_config in vector


@pytest.mark.parametrize("code", SAMPLES)
def test_the_python_analyser(code):
    expected = {
        "en": ["children", "evalu", "communiti", "polici", "cote", "d", "ivoir", "cost"],
        "fr": ["educ", "polit", "publiqu", "evalu", "fit", "hopital", "national", "mocamb",
               "oeuvr", "ete"],
        # "não" and "são" are stop words only with their accents, which folding removes
        "pt": ["polit", "public", "educaca", "mocambiqu", "avaliaco", "crianc", "vacin", "nao",
               "sao", "agu"],
    }  # fmt: skip
    assert python_terms(code) == expected[code]


@pytest.mark.parametrize("code", SAMPLES)
def test_postgresql_reads_words_as_the_python_analyser_does(code):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    config = languages.get(code).postgres_config
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)) ORDER BY positions[1]",
            [config, SAMPLES[code]],
        )
        lexemes = [row[0] for row in cursor.fetchall()]
    assert lexemes == list(dict.fromkeys(python_terms(code)))


@pytest.fixture(scope="module")
def opensearch_index():
    url = os.environ.get("TEST_OPENSEARCH_URL")
    if not url:
        pytest.skip("TEST_OPENSEARCH_URL is not set")
    name = f"test-languages-{uuid.uuid4().hex[:8]}"

    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{url}/{name}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    call("PUT", "", {"settings": {"analysis": languages.cluster_analysis()}})
    yield call
    call("DELETE", "")


@pytest.mark.parametrize("code", SAMPLES)
def test_opensearch_reads_words_as_the_python_analyser_does(opensearch_index, code):
    analyzer = languages.get(code).analyzer
    tokens = opensearch_index("POST", "/_analyze", {"analyzer": analyzer, "text": SAMPLES[code]})
    assert [token["token"] for token in tokens["tokens"]] == python_terms(code)


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("the of and", "en", ((), (), ())),
        ("le de l'éducation", "fr", (("éducation",), (), ())),
        ("le de l'éducation", "en", (("le", "de", "l", "éducation"), (), ())),
        ('"qualité de vie" -é', "fr", ((), (("qualité", "de", "vie"),), (("é",),))),
        ("não saúde", "pt", (("não", "saúde"), (), ())),  # "não" is no stop word once folded
    ],
)
def test_each_language_parses_the_query_with_its_own_stop_words(text, language, expected):
    query = SearchParams(q=text).text[language]
    assert (query.terms, query.phrases, query.excluded) == expected


def test_lang_is_validated_and_defaults_only_when_absent():
    def parse(query, **kwargs):
        return SearchParams.from_query_dict(QueryDict(query), **kwargs)

    assert parse("").selected("lang") == ()
    defaulted = parse("", defaults={"lang": ("fr",)})
    assert defaulted.selected("lang") == ("fr",) and defaulted.explicit_filters == {}
    assert parse("lang=en&lang=PT", defaults={"lang": ("fr",)}).selected("lang") == ("en", "pt")
    assert parse("lang=all", defaults={"lang": ("fr",)}).selected("lang") == ()
    with pytest.raises(InvalidSearch) as invalid:
        parse("lang=fr&lang=xx")
    assert "'xx'" in invalid.value.errors["lang"]
