"""Every page type renders, with the site furniture every page must have."""

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from wagtail.test.utils import WagtailPageTestCase

from .helpers import PAGE_NAMES, build_site


@pytest.fixture
def site(db):
    return build_site()


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_page_type_renders_with_landmarks(client, site, name):
    page = getattr(site, name)
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1, "one top-level heading"
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (
        f"headings skip a level: {levels}"
    )
    assert 'href="#main"' in html and 'id="main"' in html, "skip link to main"
    assert "<header" in html and "<footer" in html and "<main" in html
    assert 'href="/admin/"' in html and "Staff login" in html
    assert f"<title>{page.title}" in html


def test_breadcrumbs_follow_the_tree(client, site):
    html = client.get(site.study.url).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs[^>]*>(.*?)</nav>', html, re.S).group(1)
    labels = re.findall(r">([^<>]+)</(?:a|span)>", crumbs)
    assert labels == [
        "Home",
        "Research Areas",
        "Community Care Strategies",
        "Integrated Community Case Management",
        "Costing of iCCM",
    ]
    assert 'aria-current="page"' in crumbs


def test_home_page_has_no_breadcrumbs(client, site):
    assert 'class="breadcrumbs' not in client.get("/").content.decode()


def test_study_page_shows_facts_as_definition_list(client, site):
    html = client.get(site.study.url).content.decode()
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dt>(.*?)</dt>", facts) == ["Implemented by", "Location", "Timeline"]
    assert "Management Sciences for Health" in facts
    names = re.findall(r'<a href="/countries/(\w+)/">(\w+)</a>', facts)
    assert names == [("mw", "Malawi"), ("ml", "Mali")], (
        "countries in the editor's order, linked to their pages"
    )
    assert "March 2011 to September 2014" in facts
    assert "Completed" in facts


def test_study_image_is_a_responsive_rendition_with_alt_text(client, site):
    html = client.get(site.study.url).content.decode()
    img = re.search(r"<img [^>]*>", html).group(0)
    assert 'alt="A health worker"' in img
    assert "srcset=" in img and "360w" in img and "720w" in img
    assert ".webp" in img
    assert "Counting breaths" in html and "Photoshare" in html


def test_study_links_to_its_outputs(client, site):
    html = client.get(site.study.url).content.decode()
    for output in (site.findings, site.supplement, site.brief):
        assert f'href="{output.url}"' in html


def test_research_area_lists_its_studies_as_cards(client, site):
    html = client.get(site.subarea.url).content.decode()
    assert 'class="study-card"' in html
    assert "Costing of iCCM" in html
    # With no summaries chosen, the area lists its studies' outputs.
    assert site.findings.title in html


def test_supplement_articles_have_anchors_and_doi_links(client, site):
    html = client.get(site.supplement.url).content.decode()
    assert f'id="article-{site.article.pk}"' in html
    assert f'href="https://doi.org/{site.article.doi}"' in html


def test_supplement_reads_its_articles_pdfs_in_one_query(client, site):
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.documents import get_document_model

    from portal.demo import pdf

    from .factories import SupplementArticleFactory

    for number in range(3):
        document = get_document_model().objects.create(
            title=f"Article {number} (PDF)",
            file=ContentFile(pdf.build([["An article."]]), name=f"article-{number}.pdf"),
        )
        SupplementArticleFactory(page=site.supplement, document=document)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(site.supplement.url).content.decode()
    assert html.count("Download the article (PDF") == 3
    alone = [q["sql"] for q in queries if 'FROM "wagtaildocs_document"' in q["sql"]]
    assert not alone, alone


def test_unknown_url_gives_a_helpful_404(client, site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_study_page_is_light(client, site):
    """HTML + CSS of a study page under 40 KB uncompressed, and no third-party requests."""
    html = client.get(site.study.url).content
    stylesheets = re.findall(rb'href="/static/([^"]+\.css)"', html)
    css = b"".join(Path(finders.find(path.decode())).read_bytes() for path in stylesheets)
    assert css, "the stylesheet was found"
    assert len(html) + len(css) < 40 * 1024
    # Requests the browser makes by itself: src attributes and stylesheet/preload links (not <a> or
    # canonical).
    loads = re.findall(rb'src="[^"]*"|<link rel="(?:stylesheet|preload|icon)"[^>]*>', html)
    assert loads and not any(re.search(rb'"(https?:)?//', load) for load in loads), (
        "no third-party requests"
    )


class PreviewTests(WagtailPageTestCase):
    """Editors preview every page type before publishing."""

    @classmethod
    def setUpTestData(cls):
        cls.site = build_site()

    def test_every_page_type_renders_and_previews(self):
        for name in PAGE_NAMES:
            page = getattr(self.site, name)
            with self.subTest(page=name):
                self.assertPageIsRenderable(page)
                # The admin's preview path (the form-driven one is covered by the create tests).
                response = page.specific.make_preview_request()
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, page.title)
