"""The full-page cache (portal/pagecache.py) and what publishing purges (portal/cache_purge.py)."""

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from portal.newsletter.models import Subscriber

from .factories import FindingsPageFactory
from .helpers import build_search_site


@pytest.fixture
def site(db):
    return build_search_site()


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


def cached(client, url):
    """Whether the next anonymous GET of url is served from the cache."""
    return get(client, url)["X-Cache"] == "hit"


def warm(client, *urls):
    for url in urls:
        get(client, url)
        assert cached(client, url), url


def test_anonymous_pages_are_served_from_the_cache_with_validators(client, site):
    first = get(client, site.s1.url)
    assert first["X-Cache"] == "miss" and "public, max-age=" in first["Cache-Control"]
    second = get(client, site.s1.url)
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert second["ETag"] == first["ETag"] and second["Content-Security-Policy"]
    not_modified = client.get(site.s1.url, headers={"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304 and not not_modified.content


def test_query_strings_and_compression_are_cached_apart(client, site):
    warm(client, "/search/?q=costing", "/search/?q=data")
    assert b"Costing of iCCM" in get(client, "/search/?q=costing").content
    plain, gzipped = get(client, "/"), get(client, "/", **{"Accept-Encoding": "gzip"})
    assert gzipped["Content-Encoding"] == "gzip" and not plain.has_header("Content-Encoding")
    assert get(client, "/", **{"Accept-Encoding": "gzip"})["X-Cache"] == "hit"


def test_search_responses_hold_nothing_personal(client, site):
    # A visitor who signed up
    client.post("/newsletter/", {"email": "reader@example.org", "consent": "on"})
    response = get(client, "/search/?q=costing")
    assert b"csrfmiddlewaretoken" not in response.content and not response.cookies
    assert b"reader@example.org" not in get(client, "/search/?q=costing").content
    assert Subscriber.objects.filter(email="reader@example.org").exists()


def test_staff_and_visitors_with_a_session_bypass_the_cache(admin_client, site):
    anonymous = Client()
    warm(anonymous, site.s1.url)
    response = get(admin_client, site.s1.url)
    assert not response.has_header("X-Cache"), "never served from or stored in the shared cache"


def test_personal_and_restricted_responses_are_never_stored(client, site):
    PageViewRestriction.objects.create(
        page=site.f2, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    for _ in range(2):
        form = get(client, site.f2.url)
        assert b"csrfmiddlewaretoken" in form.content and not form.has_header("X-Cache")
        assert "no-store" in form["Cache-Control"]
    assert client.get(site.private.url).status_code == 302
    token_page = client.get("/newsletter/unsubscribe/not-a-token/")
    assert "no-store" in token_page["Cache-Control"] and not token_page.has_header("X-Cache")


def test_publishing_purges_the_page_its_ancestors_its_outputs_and_the_indexes(client, site):
    related = [
        site.s1.url,
        site.area.url,
        site.areas.url,
        site.home.url,
        site.f1.url,
        site.publications.url,
    ]
    indexes = [
        "/search/?q=costing",
        "/countries/rw/",
        "/feed/",
        "/api/search/?q=costing",
        "/sitemap.xml",
    ]
    unrelated = [site.s3.url, site.brief.url, site.news.url]
    warm(client, *related, *indexes, *unrelated)

    earlier = site.s1.save_revision()
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()
    # An edit of a live page: a second revision, now the live one.
    assert site.s1.revisions.count() == 2 and site.s1.live_revision_id != earlier.pk

    for url in related + indexes:
        assert not cached(client, url), f"{url} was not purged"
    assert b"Costing of iCCM, revised" in get(client, site.f1.url).content, (
        "the output names its study"
    )
    assert b"Costing of iCCM, revised" in get(client, "/search/?q=costing").content
    for url in unrelated:
        assert cached(client, url), f"{url} was purged, though it does not show the study"


def test_publishing_an_output_purges_its_study_and_the_study_area(client, site):
    warm(client, site.s2.url, site.area.url, site.s3.url)
    finding = FindingsPageFactory(
        parent=site.publications, title="A new finding", studies=[site.s2], live=False
    )
    finding.save_revision().publish()
    assert b"A new finding" in get(client, site.s2.url).content
    area = get(client, site.area.url)
    assert area["X-Cache"] == "miss" and b"A new finding" in area.content, "purged, then rebuilt"
    assert cached(client, site.s3.url)


def test_unpublishing_and_moving_take_effect_at_once(client, site):
    warm(client, site.s2.url, site.brief.url)
    site.s2.unpublish()
    assert client.get(site.s2.url).status_code == 404
    old_url = site.brief.url
    site.brief.move(site.publications, pos="last-child")
    moved = client.get(old_url)
    site.brief.refresh_from_db()
    assert (moved.status_code, moved.get("Location")) == (301, site.brief.url), "Wagtail's redirect"
    assert get(client, site.brief.url)["X-Cache"] == "miss"


def test_a_new_top_level_page_reaches_every_page_menu(client, site):
    warm(client, site.s3.url, site.news.url)
    site.areas.title, site.areas.show_in_menus = "Our research", True
    site.areas.save_revision().publish()
    assert (
        b"Our research" in get(client, site.s3.url).content
        and b"Our research" in get(client, site.news.url).content
    )


def test_site_wide_changes_purge_everything(client, site):
    warm(client, site.s3.url, "/countries/ml/")
    site.mali.name = "République du Mali"
    site.mali.save()
    assert (
        not cached(client, site.s3.url)
        and "République du Mali" in get(client, "/countries/ml/").content.decode()
    )


def test_the_cache_can_be_turned_off(client, site, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "TIMEOUT": 0}
    get(client, "/")
    assert not get(client, "/").has_header("X-Cache")


class RecordingBackend:
    """A keyed frontend-cache backend that records what it was asked to purge."""

    purged = []

    def __init__(self, params):
        pass

    def purge_keys(self, keys):
        self.purged.append(set(keys))


def test_responses_carry_surrogate_keys_and_a_publish_purges_those_it_shows(
    client, site, settings, django_capture_on_commit_callbacks
):
    from portal import edge

    settings.WAGTAILFRONTENDCACHE = {"rec": {"BACKEND": f"{__name__}.RecordingBackend"}}
    settings.EDGE = {**settings.EDGE, "REPURGE_SECONDS": 0}
    study = get(client, site.s2.url)
    keys = study["Surrogate-Key"].split()
    assert {"all", f"p{site.s2.pk}", f"t{site.s2.path}", f"t{site.area.path}"} <= set(keys)
    assert "max-age=" in study["CDN-Cache-Control"]
    assert "Surrogate-Key" not in client.get(site.s2.url, HTTP_COOKIE="sessionid=x")
    finding = FindingsPageFactory(
        parent=site.publications, title="Keyed", studies=[site.s2], live=False
    )
    RecordingBackend.purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        finding.save_revision().publish()
    purged = set().union(*RecordingBackend.purged)
    assert {edge.tree_key(finding), f"p{site.s2.pk}", f"p{site.area.pk}", "index"} <= purged
    assert f"p{site.s3.pk}" not in purged and "all" not in purged


def render_in_progress(request_path):
    """Take the fill lock the way a concurrent reader's render holds it."""
    from django.test import RequestFactory

    from portal import pagecache

    request = RequestFactory().get(request_path)
    assert pagecache._cache().add(pagecache.FILL_PREFIX + pagecache._entry_key(request), 1)


def test_while_one_reader_renders_a_purged_page_the_others_get_the_previous_copy(client, site):
    old = get(client, site.s1.url)
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()
    render_in_progress(site.s1.url)
    stale = get(client, site.s1.url)
    assert stale["X-Cache"] == "stale" and stale.content == old.content
    assert stale["Cache-Control"] == "no-cache", "no browser keeps it"
    assert not stale.has_header("CDN-Cache-Control") and not stale.has_header("Surrogate-Key")


def test_the_first_reader_after_a_purge_renders_and_then_everyone_gets_the_new_copy(client, site):
    get(client, site.s1.url)
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()
    first = get(client, site.s1.url)
    assert first["X-Cache"] == "miss" and b"Costing of iCCM, revised" in first.content
    render_in_progress(site.s1.url)  # the render released its lock; a new one is not stale
    assert get(client, site.s1.url)["X-Cache"] == "hit"


def test_a_stale_copy_is_never_older_than_the_window_or_than_one_purge(client, site, monkeypatch):
    import time

    from portal import pagecache

    get(client, site.s1.url)
    site.s1.save_revision().publish()
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()  # a second purge: the stored copy is two behind
    render_in_progress(site.s1.url)
    assert get(client, site.s1.url)["X-Cache"] == "miss"

    site.s1.title = "Costing of iCCM, third"
    site.s1.save_revision().publish()
    render_in_progress(site.s1.url)
    later = time.time() + pagecache.options()["STALE_SECONDS"] + 0.5
    monkeypatch.setattr(pagecache, "_now", lambda: later)
    late = get(client, site.s1.url)
    assert late["X-Cache"] == "miss" and b"Costing of iCCM, third" in late.content
    stamp = pagecache._versions(pagecache._cache(), [pagecache.SITE_KEY])[0]
    assert len(stamp.split(".")) == 3, "a stamp records when it was made and what it replaced"


def test_a_publish_purges_the_index_pages_in_every_language(client, site):
    urls = ["/search/?q=costing", "/fr/search/?q=costing", "/pt/search/?q=costing", "/fr/feed/"]
    warm(client, *urls)
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()
    for url in urls:
        assert not cached(client, url), f"{url} was not purged"
