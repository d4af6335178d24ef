"""What a page-cache miss costs, and that the fragments it reuses change with what they show.

The page cache is off here: every request renders, from fragments kept per page revision,
publish and site version (portal/templatetags/fragment_tags.py).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from portal.models import SiteSettings

from .factories import FindingsPageFactory
from .helpers import build_search_site, translate


@pytest.fixture
def site(db, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "TIMEOUT": 0}
    found = build_search_site()
    for page in (found.home, found.areas, found.area, found.s1, found.publications, found.f1):
        page.save_revision().publish()  # as the admin publishes: with a live revision
    found.s1.refresh_from_db()
    return found


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_a_repeated_render_reads_little_from_the_database(client, site):
    first = html(client, site.s1.url)
    with CaptureQueriesContext(connection) as queries:
        again = html(client, site.s1.url)
    assert again == first
    # The route's pages and the page itself are all that is left; it was 28 queries.
    assert len(queries) <= 2, [q["sql"][:120] for q in queries]
    for table in ("wagtailcore_site", "wagtailcore_locale", "portal_homepage"):
        assert not [q for q in queries if f'FROM "{table}"' in q["sql"]], f"{table} is kept"
    assert "Develop and test a financing tool." in again and "Costing and financing" in again


def test_a_new_site_for_a_host_is_used_at_once(client, site):
    from wagtail.models import Site

    assert html(client, site.s1.url)
    other = Site.objects.create(hostname="testserver", port=80, root_page=site.area)
    response = client.get("/")  # testserver:80 is now the area's site
    assert response.status_code == 200
    assert f"<title>{site.area.title}" in response.content.decode()
    other.delete()
    assert f"<title>{site.home.title}" in html(client, "/")


def test_publishing_the_page_shows_its_new_content(client, site):
    assert "Develop and test" in html(client, site.s1.url)
    site.s1.aim = "A revised aim."
    site.s1.save_revision().publish()
    assert "A revised aim." in html(client, site.s1.url)


def test_a_draft_is_not_shown_and_a_preview_is_not_kept(client, admin_client, site):
    html(client, site.s1.url)
    site.s1.aim = "An unpublished aim."
    site.s1.save_revision()
    assert "An unpublished aim." not in html(client, site.s1.url)
    preview = admin_client.get(f"/admin/pages/{site.s1.pk}/edit/preview/")
    assert preview.status_code in (200, 405)  # what the edit view posted, or nothing yet
    assert "An unpublished aim." not in html(client, site.s1.url)


def test_publishing_an_output_shows_it_on_its_study(client, site):
    assert "Development of a Costing and Financing Tool" in html(client, site.s1.url)
    output = FindingsPageFactory(
        parent=site.publications, title="New costing results", studies=[site.s1], live=False
    )
    output.save_revision().publish()
    assert "New costing results" in html(client, site.s1.url)
    site.f1.unpublish()
    assert "Development of a Costing and Financing Tool" not in html(client, site.s1.url)


def test_a_site_wide_change_shows_everywhere(client, site):
    assert "Costing and financing" in html(client, site.s1.url)
    site.costing.name = "Costs and money"
    site.costing.save()  # taxonomy is site-wide: cache_purge re-stamps the site version
    settings = SiteSettings.for_site(site.home.get_site())
    settings.footer_text = "<p>Footer news.</p>"
    settings.save()
    page = html(client, site.s1.url)
    assert "Costs and money" in page and "Footer news." in page


def test_a_translation_published_later_is_linked(client, site):
    link = '<link rel="alternate" hreflang="fr"'
    assert link not in html(client, site.s1.url)
    for page in (site.home, site.areas, site.area):
        translate(page, "fr")
    translate(site.s1, "fr", title="Coût de la PCIME-C")
    page = html(client, site.s1.url)
    assert link in page and "?untranslated=1" not in page.split('hreflang="fr"')[1][:200]


def test_the_kept_root_follows_its_translations_and_its_publishes(client, site):
    """Routing starts from the root page kept with the Site (portal/sites.py): a home page
    translated later is routed to in its language, and a new home title shows at once."""
    assert f"<title>{site.home.title}" in html(client, "/fr/")  # no French home yet
    translate(site.home, "fr", title="Accueil du portail")
    assert "<title>Accueil du portail" in html(client, "/fr/")
    site.home.title = "A renamed home"
    site.home.save_revision().publish()
    assert "<title>A renamed home" in html(client, "/")
    assert "<title>Accueil du portail" in html(client, "/fr/")


def test_a_page_made_private_is_no_longer_served(client, site):
    html(client, site.s1.url)
    PageViewRestriction.objects.create(page=site.area, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(site.s1.url).status_code == 302


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "60 60"),
        ({"EDGE_VARNISH_URLS": "http://127.0.0.1:6081"}, "0 0"),
        ({"EDGE_VARNISH_URLS": "http://127.0.0.1:6081", "REDIS_URL": "redis://x:1/0"}, "600 600"),
    ],
)
def test_per_process_copies_are_not_kept_behind_an_edge(env, expected):
    """Without Redis a publish cannot reach another process's copies; behind an edge they
    would be fetched as fresh and kept for a day, so neither pages nor fragments are kept."""
    import os
    import subprocess
    import sys

    code = "from portal.settings import base as b; c = b.PAGE_CACHE"
    code += "; print(c['TIMEOUT'], c['FRAGMENT_TIMEOUT'])"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "EDGE_", "PAGE_"))}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert result.stdout.strip() == expected, result.stderr


def test_nothing_is_kept_when_the_fragment_lifetime_is_0(settings):
    from portal.cache_purge import kept

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "FRAGMENT_TIMEOUT": 0}
    made = []
    for _ in range(2):
        kept("fragment:test:zero", lambda: made.append(1) or "x")
    assert len(made) == 2
