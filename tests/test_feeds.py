"""Atom and RSS feeds: the latest content, news, and any search; valid, with absolute links."""

import feedparser
import pytest

from .helpers import build_search_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_search_site()


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, f"{url}: {feed.bozo_exception}"
    return response, feed


@pytest.mark.parametrize("url, version", [("/feed/", "rss20"), ("/feed/atom/", "atom10")])
def test_latest_feed_is_valid_with_absolute_links_newest_first(client, site, url, version):
    response, feed = parse(client, url)
    assert feed.version == version
    assert len(feed.entries) >= 8
    assert all(entry.link.startswith("http://testserver/") for entry in feed.entries)
    dates = [entry.published_parsed for entry in feed.entries if entry.get("published_parsed")]
    assert dates == sorted(dates, reverse=True)
    assert "Costing of iCCM (Study)" in {entry.title for entry in feed.entries}


@pytest.mark.parametrize("url", ["/feed/news/", "/feed/news/atom/"])
def test_news_feed_has_only_news(client, site, url):
    _, feed = parse(client, url)
    assert [entry.title for entry in feed.entries] == ["Supplement published (News)"]


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_search_feed_follows_a_search(client, site, suffix):
    _, feed = parse(client, f"/search/feed/{suffix}?country=ML&type=study")
    assert {entry.title for entry in feed.entries} == {
        "Improving Data for iCCM (Study)",
        "Policy Analysis of iCCM (Study)",
    }
    assert "Mali" in feed.feed.title and feed.feed.link.startswith("http://testserver/search/?")
    entry = feed.entries[0]
    assert "Mali" in {tag.term for tag in entry.tags}


def test_search_feed_bad_parameters_answer_400(client, site):
    response = client.get("/search/feed/", {"page_size": "x", "q": "a" * 501})
    assert response.status_code == 400
    assert b"page_size" in response.content and b"q:" in response.content


def test_pages_announce_their_feeds(client, site):
    home = client.get("/").content.decode()
    assert 'type="application/rss+xml"' in home and 'href="/feed/"' in home
    search = client.get("/search/", {"country": "ML"}).content.decode()
    assert (
        'href="/search/feed/?country=ML"' in search
        and 'href="/search/feed/atom/?country=ML"' in search
    )


def test_every_atom_entry_is_updated_but_only_dated_ones_are_published(client, site):
    """Atom requires `updated` on every entry; an undated output (the research area here) gets
    when its page last changed there, and no `published` date is invented for it."""
    _, feed = parse(client, "/feed/atom/")
    assert all(entry.get("updated_parsed") for entry in feed.entries)
    area = next(entry for entry in feed.entries if entry.title.startswith(site.area.title))
    assert not area.get("published_parsed")
    assert area.updated_parsed[:3] == (2017, 1, 1)  # the site's pages were published then
    study = next(entry for entry in feed.entries if entry.title == "Costing of iCCM (Study)")
    assert study.published_parsed[:3] == (2011, 3, 1)
