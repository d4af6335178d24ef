"""Search-engine and link-preview metadata: sitemap, robots.txt, canonical, OpenGraph, Twitter,
JSON-LD."""

import io
import json
import re
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

from briefs.models import PolicyBriefPage
from research.models import StudyPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # The English demo (test_demo_translations.py covers French and Portuguese).
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def og(html):
    return dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)">', html))


def test_sitemap_lists_the_live_pages(client, demo):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urls = [
        loc.text
        for loc in ElementTree.fromstring(response.content).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
        )
    ]
    study = StudyPage.objects.get(title="Costing of iCCM")
    assert study.full_url in urls and len(urls) >= 10
    assert all(url.startswith("http") for url in urls)


def test_robots_points_at_the_sitemap(client, demo):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text and "Sitemap: http://testserver/sitemap.xml" in text


def test_study_page_metadata(client, demo):
    study = StudyPage.objects.get(title="Costing of iCCM")
    html = client.get(study.url).content.decode()
    assert f'<link rel="canonical" href="{study.full_url}">' in html
    tags = og(html)
    assert (
        tags["og:title"] == "Costing of iCCM"
        and tags["og:url"] == study.full_url
        and tags["og:type"] == "article"
    )
    assert tags["og:image"].startswith("http://testserver/") and tags["og:image:alt"]
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="twitter:site" content="@TRActionProject">' in html
    [data] = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "ResearchProject"
    assert {"Malawi", "Rwanda"} & {place["name"] for place in data["areaServed"]} and data[
        "foundingDate"
    ]


def test_brief_home_and_article_structured_data(client, demo):
    brief = PolicyBriefPage.objects.get()
    [report] = json_ld(client.get(brief.url).content.decode())
    assert (
        report["@type"] == "Report"
        and report["name"] == brief.title
        and report["publisher"]["name"]
    )
    [organization] = json_ld(client.get("/").content.decode())
    assert organization["@type"] == "Organization" and "https://twitter.com/TRActionProject" in str(
        organization["sameAs"]
    )
    from briefs.models import JournalSupplementPage, SupplementArticle

    supplement = JournalSupplementPage.objects.get()
    article = SupplementArticle.objects.create(
        page=supplement, title="An article </script><b>", authors="Smith J"
    )
    html = client.get(f"{supplement.url}articles/{article.pk}/").content.decode()
    [scholarly] = json_ld(html)
    assert (
        scholarly["@type"] == "ScholarlyArticle" and scholarly["name"] == "An article </script><b>"
    )
    assert "</script><b>" not in html.split("application/ld+json")[1].split("</script>")[0], (
        "JSON cannot close the tag"
    )
    assert f'<link rel="canonical" href="{supplement.full_url}articles/{article.pk}/">' in html


def test_every_page_has_a_description(client, demo):
    for page in [StudyPage.objects.first(), PolicyBriefPage.objects.get()]:
        assert re.search(
            r'<meta name="description" content="[^"]{20,}">', client.get(page.url).content.decode()
        )
