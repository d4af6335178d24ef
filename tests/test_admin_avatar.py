"""Staff avatars in the admin are a local image, never a third party's (Gravatar is off)."""

import html
import io
import re
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image

# The live server (which serves the static files) makes the test transactional: keep the page tree
# that migrations create, as the other live-server tests do.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Wagtail's avatar template (<span class="avatar …"><img src="…">) and the sidebar's JSON props.
AVATAR_IMG = re.compile(r'<span\s+class="avatar[^"]*"[^>]*>.*?<img[^>]* src="([^"]+)"', re.S)
SIDEBAR_AVATAR = re.compile(r'avatarUrl&quot;: &quot;(.*?)&quot;|"avatarUrl": "(.*?)"')


def avatar_urls(page):
    urls = [html.unescape(url) for url in AVATAR_IMG.findall(page)]
    urls += [html.unescape(a or b) for a, b in SIDEBAR_AVATAR.findall(page)]
    return urls


def test_the_admin_shows_a_local_avatar_that_loads(admin_client, live_server):
    """The dashboard, the sidebar and the account page name one image, served here as an image."""
    urls = []
    for path in ("/admin/", "/admin/account/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        urls += avatar_urls(response.content.decode())
    assert len(urls) >= 3, f"the dashboard, sidebar and account page show an avatar: {urls}"
    for url in set(urls):
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is on another host"
        assert parts.path.startswith("/static/"), url
        with urllib.request.urlopen(urljoin(live_server.url, url), timeout=10) as answer:
            assert answer.status == 200, url
            assert answer.headers["Content-Type"].startswith("image/"), answer.headers
            with Image.open(io.BytesIO(answer.read())) as image:
                assert image.width >= 50 and image.height >= 50, f"{url} is a real image"


def test_the_admin_dashboard_asks_no_third_party_for_updates(admin_client, settings):
    """Wagtail's update check (the `w-upgrade` panel, whose script fetches releases.wagtail.org)
    is off."""
    assert 'data-controller="w-upgrade' not in admin_client.get("/admin/").content.decode()
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = True
    assert 'data-controller="w-upgrade' in admin_client.get("/admin/").content.decode()
