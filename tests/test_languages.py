"""The portal in three languages: URLs, <html lang>, hreflang, the switcher, the sitemap,
structured data and the API, on pages translated the way the admin translates them."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from wagtail.models import Locale, Page
from wagtail_localize.models import StringTranslation, Translation
from wagtail_localize.operations import TranslationCreator

from research.models import country_name

from .factories import CountryFactory
from .helpers import build_site, translate

pytestmark = pytest.mark.django_db

XHTML = "{http://www.w3.org/1999/xhtml}link"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site():
    """build_site() with French home, research index and study translations; no Portuguese
    study (so its switcher link goes to the Portuguese home)."""
    cache.clear()
    s = build_site()
    s.areas.show_in_menus = True
    s.areas.save_revision().publish()
    s.home_fr = translate(s.home, "fr", title="Projet TRAction")
    s.home_pt = translate(s.home, "pt", title="Projeto TRAction")
    s.areas_fr = translate(s.areas, "fr", title="Domaines de recherche", slug="domaines")
    s.area_fr = translate(s.area, "fr", title="Stratégies de soins communautaires")
    s.subarea_fr = translate(s.subarea, "fr", title="Prise en charge intégrée")
    s.study_fr = translate(s.study, "fr", title="Coût de la PCIME-C")
    return s


def hreflangs(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_english_stays_at_the_root_and_french_under_its_prefix(client, site):
    english = client.get(site.study.url)
    french = client.get(site.study_fr.url)
    assert not site.study.url.startswith(("/fr/", "/pt/", "/en/"))
    assert site.study_fr.url.startswith("/fr/domaines/")
    assert english.status_code == french.status_code == 200
    assert '<html lang="en">' in english.text
    assert '<html lang="fr">' in french.text and "Coût de la PCIME-C" in french.text
    assert client.get("/fr/").status_code == 200 and "Projet TRAction" in client.get("/fr/").text


def test_alternates_are_reciprocal_with_x_default(client, site):
    english = hreflangs(client.get(site.study.url).text)
    french = hreflangs(client.get(site.study_fr.url).text)
    assert english == french, "each version lists the same set"
    assert set(english) == {"en", "fr", "x-default"}, "no Portuguese study: no pt alternate"
    assert english["fr"] == site.study_fr.full_url
    assert english["x-default"] == english["en"] == site.study.full_url


def test_the_switcher_goes_to_the_translation_or_says_there_is_none(client, site):
    html = client.get(site.study.url).text
    switcher = html[html.index('class="language-switcher"') :].split("</nav>")[0]
    assert f'href="{site.study_fr.url}" lang="fr"' in switcher
    portuguese_home = f"{site.home_pt.url}?untranslated=1"
    assert f'href="{portuguese_home}"' in switcher
    landed = client.get(portuguese_home)
    assert landed.status_code == 200 and '<html lang="pt">' in landed.text
    assert 'role="status"' in landed.text, "the home page says the page is not translated"
    assert 'role="status"' not in client.get(site.home_pt.url).text


def test_a_first_visit_is_never_redirected_by_accept_language(client, site):
    response = client.get(site.study.url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert response.status_code == 200 and '<html lang="en">' in response.text
    assert "accept-language" not in response.get("Vary", "").lower()
    assert response["Content-Language"] == "en"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="pt").status_code == 200


def test_an_unknown_prefix_is_an_english_404(client, site):
    response = client.get("/de/research/")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text


def test_the_menu_is_the_languages_own(client, site):
    french = client.get(site.home_fr.url).text
    nav = french[french.index('class="site-nav"') :].split("</nav>")[0]
    assert "Domaines de recherche" in nav and site.areas.title not in nav
    english = client.get(site.home.url).text
    assert site.areas.title in english[english.index('class="site-nav"') :].split("</nav>")[0]


def test_the_sitemap_lists_every_language_with_alternates(client, site):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    urls = {
        u.find(f"{SITEMAP}loc").text: {x.get("hreflang"): x.get("href") for x in u.iter(XHTML)}
        for u in root.iter(f"{SITEMAP}url")
    }
    assert site.study_fr.full_url in urls and site.home_pt.full_url in urls
    assert (
        urls[site.study.full_url]
        == urls[site.study_fr.full_url]
        == {
            "en": site.study.full_url,
            "fr": site.study_fr.full_url,
            "x-default": site.study.full_url,
        }
    )
    assert set(urls[site.home.full_url]) == {"en", "fr", "pt", "x-default"}
    assert urls[site.brief.full_url] == {}, "one language only: no alternates"


def test_structured_data_and_citations_name_the_language(client, site):
    translate(site.briefs_index, "fr", title="Notes de politique")
    brief_fr = translate(site.brief, "fr", title="Note de politique")
    html = client.get(brief_fr.url).text
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html).group(1))
    assert data["@type"] == "Report" and data["inLanguage"] == "fr"
    assert '<meta name="citation_language" content="fr">' in html
    english = client.get(site.brief.url).text
    assert '<meta name="citation_language" content="en">' in english
    study = client.get(site.study_fr.url).text
    project = json.loads(re.search(r'application/ld\+json">(.*?)</script>', study).group(1))
    assert "inLanguage" not in project, "a ResearchProject is an Organization in schema.org"


def test_country_names_come_from_iso_3166_translations(client, site):
    site.study_fr.locations.create(country=CountryFactory(name="Senegal", code="SN"))
    site.study_fr.save_revision().publish()
    cache.clear()
    facts = client.get(site.study_fr.url).text
    assert ">Sénégal</a>" in facts and ">Senegal</a>" not in facts
    assert country_name("MZ", "pt") == "Moçambique"
    assert country_name("MZ", "en") == "Mozambique"
    assert country_name("XX", "fr", default="?") == "?"


def test_the_api_filters_by_locale_and_names_a_bad_one(client, site):
    french = client.get("/api/v2/pages/?locale=fr&limit=100").json()
    assert {item["meta"]["locale"] for item in french["items"]} == {"fr"}
    assert site.study_fr.pk in [item["id"] for item in french["items"]]
    response = client.get("/api/v2/pages/?locale=xx")
    assert response.status_code == 400 and "'xx'" in response.json()["message"]


def test_an_english_edit_shows_the_translation_out_of_date(admin_client, site):
    """The wagtail-localize report says "Up to date" once every segment is translated, then
    "Out of date" after an English edit, until translators sync the source."""
    user = get_user_model().objects.get(username="admin")
    translate(site.publications, "fr", title="Publications")
    TranslationCreator(user, [Locale.objects.get(language_code="fr")]).create_translations(
        site.findings
    )
    translation = Translation.objects.get(source__object_id=site.findings.translation_key)
    for segment in translation.source.stringsegment_set.all():
        StringTranslation.objects.create(
            translation_of=segment.string,
            context=segment.context,
            locale=translation.target_locale,
            data=f"[fr] {segment.string.data}",
        )
    translation.save_target(user=user, publish=True)
    report = reverse("wagtail_localize:translations_report")
    assert "Up to date" in admin_client.get(report).text

    site.findings.title = "Costing findings, revised"
    site.findings.save_revision().publish()
    html = admin_client.get(report).text
    assert "Out of date" in html and "Up to date" not in html

    translation.source.update_from_db()  # "Sync translated pages": the new title awaits
    html = admin_client.get(report).text
    assert "Waiting for translations" in html and "Out of date" not in html


def test_publishing_a_translation_purges_the_pages_that_link_to_it(client, site):
    url = site.partners.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    partners_fr = translate(site.partners, "fr", title="Efforts de collaboration")
    response = client.get(url)
    assert response["X-Cache"] != "hit"
    assert hreflangs(response.text)["fr"] == partners_fr.full_url


def test_relations_lead_to_the_readers_language(client, site):
    """A French study lists the outputs that name its English source, in French where they
    are translated; a French output's related studies are the French studies."""
    translate(site.publications, "fr", title="Publications")
    findings_fr = translate(site.findings, "fr", title="Résultats sur les coûts")
    assert list(findings_fr.studies.all()) == [site.study], "relations point at the source"
    study = client.get(site.study_fr.url).text
    outputs = study[study.index('id="outputs-heading"') :]
    assert "Résultats sur les coûts" in outputs and site.findings.title not in outputs
    assert site.brief.title in outputs, "untranslated outputs still show, in English"
    english = client.get(site.study.url).text
    assert site.findings.title in english and "Résultats sur les coûts" not in english
    findings = client.get(findings_fr.url).text
    assert f'href="{site.study_fr.url}"' in findings and f'href="{site.study.url}"' not in findings
    partners_fr = translate(site.partners, "fr", title="Efforts de collaboration")
    for area in (site.subarea, site.subarea_fr):  # a translation copies the English choice
        area = type(area).objects.get(pk=area.pk)
        area.partners_page = site.partners
        area.save_revision().publish()
    cache.clear()
    area = client.get(site.subarea_fr.url).text
    assert f'<a href="{partners_fr.url}">Efforts de collaboration</a>' in area


def test_without_a_translated_home_the_language_root_is_its_prefix(client, site):
    from portal import i18n

    site.home_pt.delete()
    request = client.get(site.study_fr.url).wsgi_request
    assert i18n.home_url("pt", request, full=False) == "/pt/"
    html = client.get(site.study.url).text
    assert 'href="/pt/?untranslated=1"' in html


def test_robots_keeps_crawlers_out_of_every_languages_search(client):
    text = client.get("/robots.txt").text
    for path in ("/search/", "/fr/search/", "/pt/search/", "/fr/newsletter/confirm/"):
        assert f"Disallow: {path}" in text


def test_excluded_paths_are_excluded_in_every_language(settings):
    from django.test import RequestFactory

    from portal import i18n, pagecache

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "EXCLUDE": ("/newsletter/",)}
    assert i18n.unprefixed("/fr/newsletter/x/") == "/newsletter/x/"
    assert i18n.unprefixed("/pt") == "/" and i18n.unprefixed("/frog/") == "/frog/"
    for path in ("/newsletter/", "/fr/newsletter/", "/pt/newsletter/confirm/x/"):
        assert pagecache.bypass(RequestFactory().get(path)), path
    assert not pagecache.bypass(RequestFactory().get("/fr/"))


def test_every_demo_page_in_each_language_has_lang_and_reciprocal_alternates(client):
    """Every live demo page, in English, French and Portuguese, says its language and lists
    the same alternates as each page it lists (and x-default, the English one)."""
    import io

    from django.core.management import call_command

    from portal import i18n

    call_command("load_demo_content", stdout=io.StringIO())
    checked, seen = 0, {}
    for page in Page.objects.filter(depth__gt=1).live().select_related("locale"):
        html = client.get(page.url).text
        code = page.locale.language_code
        assert f'<html lang="{code}">' in html, page.url
        links = hreflangs(html)
        assert set(links) == {*i18n.codes(), "x-default"}, (page.url, links)
        assert links[code] == page.full_url and links["x-default"] == links["en"]
        seen[page.full_url] = links
        checked += 1
    for url, links in seen.items():
        for other in links.values():
            assert seen[other] == links, f"{url} and {other} list different alternates"
    assert checked == 3 * Page.objects.filter(depth__gt=1, locale__language_code="en").count()
