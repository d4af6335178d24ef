"""The demo loader builds the seed page as a site, exactly and idempotently."""

import io
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from django.utils.html import strip_tags
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from briefs.models import PolicyBriefPage
from portal.attachments import extraction
from portal.attachments.models import DocumentText
from portal.demo.loader import DemoLoader
from research.models import Country, Organization, StudyPage, Topic
from search import indexing
from search.models import Synonym
from search.synonyms import split_terms

from .helpers import loaded_once

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "traction-iccm-page.txt"

ICCM = "/research-areas/community-care-strategies/integrated-community-case-management/"

# The seed's study facts, as the acceptance criteria list them.
STUDIES = {
    "costing-of-iccm": {
        "title": "Costing of iCCM",
        "implemented_by": "Management Sciences for Health",
        "location": "Malawi, Rwanda, Senegal",
        "timeline": "March 2011 to September 2014",
        "caption": "A trained community health worker (CHW) counts the breaths of a baby using a "
        "respiratory timer",
        "credit": "",
    },
    "improving-data-for-iccm": {
        "title": "Improving Data for iCCM",
        "implemented_by": (
            "Institute for International Programs, Johns Hopkins Bloomberg School of Public "
            "Health; Save the Children"
        ),
        "location": "Ethiopia, Malawi, Mali, Mozambique",
        "timeline": "April 2011 to July 2014",
        "caption": "Ethiopian community health worker tests for malaria",
        "credit": "Photoshare",
    },
    "policy-analysis-of-iccm": {
        "title": "Policy Analysis of iCCM",
        "implemented_by": "Johns Hopkins Bloomberg School of Public Health",
        "location": "Niger, Burkina Faso, Kenya, Mali, Mozambique, Malawi",
        "timeline": "December 2011 to May 2014",
        "caption": "Rwandan mother and child",
        "credit": "Photoshare",
    },
}

SUMMARY_TITLES = [
    "Linking Policy to Implementation",
    "Lessons Learned from the Three Studies",
    "Improving Data to Improve Programs",
    "Analyzing iCCM Policies",
    "Development of a Costing and Financing Tool",
    "Child Mortality: A Brief for Policymakers",
]


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """The English demo; test_demo_translations.py covers its French and Portuguese."""
    with loaded_once(django_db_blocker, no_translations=True) as output:
        yield output


@pytest.fixture
def demo(db, loaded):
    return loaded


def facts(html):
    dl = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    values = [re.sub(r"<[^>]+>", "", dd).strip() for dd in re.findall(r"<dd>(.*?)</dd>", dl, re.S)]
    return dict(zip(re.findall(r"<dt>(.*?)</dt>", dl), values, strict=True))


def state():
    return {
        "pages": list(Page.objects.order_by("pk").values_list("pk", "path", "live", "title")),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "countries": Country.objects.count(),
        "topics": Topic.objects.count(),
        "organizations": Organization.objects.count(),
    }


def test_loading_twice_changes_nothing(db):
    out = io.StringIO()
    call_command("load_demo_content", stdout=out)
    assert "18 pages created" in out.getvalue()
    before = state()
    out = io.StringIO()
    call_command("load_demo_content", stdout=out)
    assert state() == before
    assert "0 pages created, 0 updated" in out.getvalue()
    assert "0 saved" in out.getvalue(), "nor any translation"


class TestTheLoadedDemo:
    """The English demo loaded once for these tests (a savepoint each)."""

    def test_an_edited_page_is_restored_without_duplicates(self, demo):
        study = StudyPage.objects.get(slug="costing-of-iccm")
        study.aim = "Changed by hand"
        study.save_revision().publish()
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
        study.refresh_from_db()
        assert study.aim.startswith(
            "The aim of this project was to develop and test an iCCM costing"
        )
        assert StudyPage.objects.count() == 3

    @pytest.mark.parametrize("slug", list(STUDIES))
    def test_study_pages_show_the_seed_facts_exactly(self, client, demo, slug):
        expected = STUDIES[slug]
        response = client.get(f"{ICCM}{slug}/")
        assert response.status_code == 200
        html = response.content.decode()
        shown = facts(html)
        assert shown["Implemented by"] == expected["implemented_by"]
        assert shown["Location"] == expected["location"]
        assert shown["Timeline"].startswith(expected["timeline"])
        assert "Completed" in shown["Timeline"]
        assert expected["caption"] in html
        if expected["credit"]:
            assert f'<span class="credit">{expected["credit"]}</span>' in html

    def test_study_objectives_keep_the_seed_order(self, client, demo):
        html = client.get(f"{ICCM}improving-data-for-iccm/").content.decode()
        items = re.findall(
            r"<li>(.*?)</li>", re.search(r'<ul class="objectives">(.*?)</ul>', html, re.S).group(1)
        )
        assert items == [
            "Assess iCCM monitoring and evaluation (M&amp;E) systems",
            "Identify priority gaps in iCCM M&amp;E systems and potential innovative approaches to "
            "data collection",
            "Examine feasibility, cost and quality of innovative approaches",
            "Document benefits and use of improved iCCM M&amp;E in programmatic decisions",
        ]
        assert "TRAction and its research partners addressed the following objectives:" in html

    def test_iccm_page_is_the_seed_page(self, client, demo):
        html = client.get(ICCM).content.decode()
        assert "<h1>Integrated Community Case Management</h1>" in html
        for sentence in (
            "Integrated Community Case Management (iCCM) is a community care strategy",
            "including the WHO, UNICEF, and USAID",
            "TRAction is supporting three research studies",
            "TRAction is engaging in several activities to share iCCM research findings",
        ):
            assert sentence in html
        summaries = re.search(
            r'id="summaries-heading">Study Summaries</h2>(.*?)</section>', html, re.S
        ).group(1)
        assert re.findall(r'<a href="[^"]+">([^<]+)</a>', summaries) == SUMMARY_TITLES
        assert "Sharing Results and Lessons Learned" in html
        assert "Health Policy and Planning Supplement" in html
        assert "Collaborative Efforts" in html
        assert html.count('class="study-card"') == 3
        crumbs = re.search(r'<nav class="breadcrumbs[^>]*>(.*?)</nav>', html, re.S).group(1)
        assert re.findall(r">([^<>]+)</(?:a|span)>", crumbs) == [
            "Home",
            "Research Areas",
            "Community Care Strategies",
            "Integrated Community Case Management",
        ]

    def test_every_demo_page_and_the_admin_login_answer(self, client, demo):
        pages = Page.objects.live().filter(depth__gte=2)
        assert pages.count() == 18
        for page in pages:
            assert client.get(page.url).status_code == 200, page.url
        assert client.get("/admin/login/").status_code == 200

    def test_every_seed_link_title_is_a_page_of_the_right_type(self, demo):
        types = {
            page.title: page.specific_class.__name__ for page in Page.objects.filter(depth__gte=2)
        }
        for title in SUMMARY_TITLES[:-1]:
            assert types[title] == "FindingsPage"
        assert types["Child Mortality: A Brief for Policymakers"] == "PolicyBriefPage"
        assert types["Health Policy and Planning Supplement"] == "JournalSupplementPage"
        assert types["Collaborative Efforts"] == "CollaborativeEffortsPage"
        assert types["Research Areas"] == "ResearchAreaIndexPage"
        assert types["Community Care Strategies"] == "ResearchAreaPage"
        assert types["Briefs for Policymakers"] == "PolicyBriefIndexPage"

    def test_demo_images_are_local_renditions_with_alt_text(self, client, demo):
        for image in get_image_model().objects.all():
            assert image.alt_text
            assert re.fullmatch(r"original_images/[0-9a-f]{32}\.jpg", image.file.name), (
                "uploads get random names"
            )
        html = client.get(f"{ICCM}policy-analysis-of-iccm/").content.decode()
        assert 'alt="Rwandan mother and child"' in html

    def test_the_briefs_demo_pdf_holds_the_seed_pages_own_text(self, demo):
        """The seed names the brief but not its text: its stand-in PDF says so and holds the
        iCCM page's own paragraphs, nothing else."""
        brief = PolicyBriefPage.objects.get(
            slug="child-mortality-a-brief-for-policymakers", locale__language_code="en"
        )
        extraction.extract_due()
        row = DocumentText.objects.get(document=brief.document)
        assert (row.status, row.page_count) == ("text", 2)
        iccm = Page.objects.get(url_path__endswith=ICCM).specific
        paragraphs = [strip_tags(p) for p in iccm.intro.split("</p>") if strip_tags(p)]
        spec = DemoLoader().data["documents"]["child-mortality-brief"]
        expected = " ".join([spec["title"], spec["note"], *paragraphs]).split()
        assert " ".join(row.pages).split() == expected

    def test_the_demo_synonyms_pair_the_seeds_terms_and_find_across_languages(self, client, demo):
        """Each rule's English terms are the seed page's own words, saved as the editor's form
        saves them; a search in another language's word finds the English page."""
        seed = " ".join(SEED_PAGE.read_text().split()).lower()
        rules = list(Synonym.objects.all())
        assert len(rules) == len(DemoLoader().data["synonyms"]) > 0
        for rule in rules:
            terms = split_terms(rule.terms)
            assert rule.terms == ", ".join(terms) and not rule.language
            assert terms[0].lower() in seed, terms  # the rest: its words, or translations
        indexing.rebuild_store()  # the demo's store is written on commit, which tests roll back
        html = client.get("/search/?q=paludisme&lang=en").content.decode()
        assert "Integrated Community Case Management" in html and "<mark>malaria</mark>" in html

    def test_footer_has_the_seed_social_link(self, client, demo):
        html = client.get("/").content.decode()
        assert 'href="https://twitter.com/TRActionProject"' in html

    def test_the_draft_update_is_the_seeds_own_words_and_is_never_sent(self, demo):
        from portal.newsletter import updates
        from portal.newsletter.models import NewsletterIssue

        [update] = NewsletterIssue.objects.all()
        assert not update.live and update.send_status == "draft" and update.revisions.count() == 1
        assert (update.subject, update.intro) == (  # the seed's heading and sentence, verbatim
            "Sharing Results and Lessons Learned",
            "TRAction is engaging in several activities to share iCCM research findings and "
            "encourage application of lessons learned emerging from the three studies.",
        )
        email = updates.preview_email(update, "staff@example.org")
        for title in (
            "Health Policy and Planning Supplement",
            "Child Mortality: A Brief for Policymakers",
        ):
            assert title in email["text"]


# --- the base URL: one setting names the site's host and port in every absolute URL ---------------

SITEMAP_LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def test_the_loader_takes_the_site_address_from_the_base_url(
    db, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8200"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == ("127.0.0.1", 8200, "http://127.0.0.1:8200")
    assert Site.objects.count() == 1

    settings.WAGTAILADMIN_BASE_URL = "https://portal.example.org/"  # the site, not its pages
    call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    site.refresh_from_db()
    assert (site.hostname, site.port, site.root_url) == (
        "portal.example.org",
        443,
        "https://portal.example.org",
    ), "a second run with another base URL moves the site"
    call_command(
        "load_demo_content",
        stdout=io.StringIO(),
        base_url="http://localhost:9000",
        no_translations=True,
    )
    site.refresh_from_db()
    assert site.root_url == "http://localhost:9000", "--base-url wins over the setting"


def test_the_sitemap_and_a_brief_citation_use_the_base_url(
    db, client, settings, django_capture_on_commit_callbacks
):
    base = "http://127.0.0.1:8200"
    settings.WAGTAILADMIN_BASE_URL = base
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())
    host = {"host": "127.0.0.1:8200"}  # as runserver is asked
    sitemap = client.get("/sitemap.xml", headers=host)
    urls = [loc.text for loc in ElementTree.fromstring(sitemap.content).iter(SITEMAP_LOC)]
    assert len(urls) >= 10 and all(url.startswith(base + "/") for url in urls), urls
    brief = PolicyBriefPage.objects.get(locale__language_code="en")
    url = f"{base}/briefs-for-policymakers/{brief.slug}/"
    html = client.get(brief.url, headers=host).content.decode()
    cite = re.search(r'<p class="cite__text">(.*?)</p>', html, re.S).group(1)
    assert url in cite, cite
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<meta name="citation_abstract_html_url" content="{url}">' in html
    bibtex = client.get(brief.url + "cite/bibtex/", headers=host).content.decode()
    assert f"url = {{{url}}}" in bibtex
    local = set(re.findall(r"https?://(?:127\.0\.0\.1|localhost|testserver)[^/\"<\s]*", html))
    assert local == {base}, f"every absolute URL of this site names the base URL: {local}"


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("127.0.0.1:8000", "http:// or https://"),
        ("ftp://127.0.0.1", "http:// or https://"),
        ("http://", "a host name"),
        ("http://127.0.0.1:99999", "from 1 to 65535"),
        ("http://127.0.0.1:port", "from 1 to 65535"),
        ("http://127.0.0.1:0", "port 0"),
        ("http://127.0.0.1:8000/portal/", "no path"),
        ("http://127.0.0.1:8000/?a=1", "no path"),
        ("https://portal.example.org:8443", "https on port 443 only"),
        ("http://portal.example.org:443", "https on port 443 only"),
        ("http://[::1]:8000", "IPv6"),
    ],
)
def test_a_bad_base_url_is_refused_with_the_reason(db, base_url, reason):
    with pytest.raises(CommandError) as refused:
        call_command("load_demo_content", stdout=io.StringIO(), base_url=base_url)
    assert reason in str(refused.value) and repr(base_url) in str(refused.value)
    assert not Page.objects.filter(depth__gte=2, title="Research Areas").exists()


def test_ensure_admin_names_the_base_url(db, settings, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8200"
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "Then log in at http://127.0.0.1:8200/admin/" in out.getvalue()
