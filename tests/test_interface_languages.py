"""The interface in each language: English at the root, French under /fr/, Portuguese under /pt/.

The prefix alone chooses the language (portal/urls.py); pages not yet translated keep their
English content, but every label, message, date and number around them is the reader's.
"""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from search import indexing

from .factories import FindingsPageFactory
from .helpers import build_site, translate

LANGUAGES = [
    # prefix, search button, footer heading, something the other languages must not show
    ("", "Search", "Sign up for email updates", "Skip to main content"),
    ("/fr", "Rechercher", "Recevoir nos nouvelles par e-mail", "Aller au contenu principal"),
    (
        "/pt",
        "Pesquisar",
        "Receba as nossas notícias por e-mail",
        "Saltar para o conteúdo principal",
    ),
]


@pytest.fixture
def site(db):
    site = build_site()
    site.march = FindingsPageFactory(
        parent=site.publications, title="Costing results", date=datetime.date(2014, 3, 1)
    )
    indexing.rebuild_store()
    return site


def localised(prefix, page):
    return prefix + page.url


@pytest.mark.parametrize("prefix, button, footer, skip", LANGUAGES)
def test_each_prefix_shows_the_interface_in_its_language(
    client, site, prefix, button, footer, skip
):
    for page in (site.home, site.study, site.brief):
        html = client.get(localised(prefix, page)).content.decode()
        assert f'<button type="submit">{button}</button>' in html, page
        assert f'<h2 id="footer-heading">{footer}</h2>' in html, page
        assert skip in html
        others = [other for _p, _b, _f, other in LANGUAGES if other != skip]
        assert not any(other in html for other in others), "one language per page"


def test_links_keep_the_reader_in_their_language(client, site):
    html = client.get(localised("/fr", site.study)).content.decode()
    assert 'action="/fr/search/"' in html and 'action="/fr/newsletter/"' in html
    assert 'href="/fr/countries/ml/"' in html, "country links"
    assert 'href="/admin/"' in html, "the admin has no language prefix"


def test_dates_use_the_language_month_names(client, site):
    english = client.get(site.march.url).content.decode()
    french = client.get(localised("/fr", site.march)).content.decode()
    portuguese = client.get(localised("/pt", site.march)).content.decode()
    assert "1 March 2014" in english
    assert "1 mars 2014" in french and "March" not in french
    assert "1 de março de 2014" in portuguese.lower()
    for html in (english, french, portuguese):
        assert '<time datetime="2014-03-01">' in html, "machine-readable dates stay ISO"


def test_a_study_timeline_and_status_in_french(client, site):
    html = client.get(localised("/fr", site.study)).content.decode()
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dt>(.*?)</dt>", facts) == ["Mise en œuvre par", "Lieu", "Calendrier"]
    assert "de mars 2011 à septembre 2014" in facts
    assert '<span class="status status--completed">Terminée</span>' in facts


def test_numbers_are_grouped_the_language_way():
    template = Template("{% load humanize %}{{ n|intcomma }}")
    grouped = {}
    for language in ("en", "fr", "pt"):
        with translation.override(language):
            grouped[language] = template.render(Context({"n": 24358}))
    assert grouped["en"] == "24,358" and grouped["pt"] == "24.358"
    assert re.fullmatch(r"24\s358", grouped["fr"]), "French groups with a (no-break) space"


def test_search_labels_facets_and_types_in_french(client, site):
    # /fr/ searches French pages unless the reader widens it: these are English
    html = client.get("/fr/search/?q=costing&lang=en").content.decode()
    assert "<legend>Pays</legend>" in html and "<legend>Type</legend>" in html
    assert "Notes d&#x27;orientation" in html, "the type facet's labels"
    assert re.search(r'<p class="card__type">(Résultats|Étude|Note d&#x27;orientation)', html)
    assert re.search(r"\d+ résultats?", html)
    listing = client.get(localised("/fr", site.publications)).content.decode()
    assert '<p class="card__type">Résultats · <time datetime="2014-03-01">1 mars 2014' in listing


def test_errors_in_french(client, site):
    response = client.get("/fr/search/?page=x")
    assert response.status_code == 400
    html = response.content.decode()
    assert "La recherche n'a pas pu être effectuée" in html
    assert "doit être un nombre entier" in html
    deep = client.get("/fr/search/?page=1000").content.decode()
    assert re.search(r"dépasse les 10\s000 premiers résultats", deep), "a French 10 000"
    missing = client.get("/fr/no-such-page/")
    assert missing.status_code == 404
    assert "Page introuvable" in missing.content.decode()
    assert 'href="/fr/search/"' in missing.content.decode()


def test_english_stays_as_it_was(client, site):
    html = client.get(site.march.url).content.decode()
    assert "Study summary · <time" in html and "Aucun" not in html
    assert client.get("/search/?page=x").content.decode().count("must be a whole number") == 1


def test_a_translated_study_gives_its_timeline_in_its_language_in_the_api(client, site):
    """The API has no prefix: a page's own language names its timeline, as its countries."""
    for page in (site.home, site.areas, site.area, site.subarea):
        translate(page, "fr")
    french = translate(site.study, "fr")
    text = client.get(f"/api/v2/pages/{french.pk}/").json()["timeline"]["text"]
    assert text == "de mars 2011 à septembre 2014"
    english = client.get(f"/api/v2/pages/{site.study.pk}/").json()["timeline"]["text"]
    assert english == "March 2011 to September 2014"
