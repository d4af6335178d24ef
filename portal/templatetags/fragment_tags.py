"""Fragments kept between requests, so a page-cache miss renders only what can have changed.

`{% fragment "name" page %}…{% endfragment %}` keeps what it wraps per page revision (its pk,
live revision and publication time) until the next publish or unpublish anywhere, since a
page also shows others (a study its outputs, every page its translations, rich text its
links in the reader's language): the key carries the stamps cache_purge changes with each
(those of the sitemap). It also carries the site version (re-stamped on every site-wide
change: taxonomy, images, settings, moves, slugs, privacy), the language, the site, scheme
and host, and the day. Without a page the fragment is kept per site (the footer). Previews
are never kept.
"""

import datetime
import hashlib

from django import template
from django.utils import translation
from wagtail.models import Page, Site

from .. import pagecache
from ..cache_purge import kept, site_version

register = template.Library()

# The path whose page-cache stamps change with every publish, unpublish and site-wide purge.
INDEX_PATH = "/sitemap.xml"


def index_version(request=None):
    """The stamps every publish changes, read once per request (an empty string when the cache
    is down: a fragment keyed with it is then rendered, not kept)."""
    version = getattr(request, "_index_version", None)
    if version is None:
        try:
            version = ".".join(pagecache.path_stamps(INDEX_PATH))
        except Exception:  # noqa: BLE001 - no stamps: nothing is kept
            version = ""
        if request is not None:
            request._index_version = version
    return version


def fragment_key(request, name, page=None):
    """The cache key of a fragment of `page` (or of the site) as this request shows it, or None
    when it must not be kept (no request, a preview, a page not published as it is)."""
    if request is None or getattr(request, "is_preview", False):
        return None
    site = Site.find_for_request(request)
    parts = [
        name,
        site.pk if site else "",
        request.scheme,
        request.get_host(),
        translation.get_language(),
        datetime.date.today().isoformat(),  # a study's status follows the calendar
        site_version(request),
    ]
    if page is not None:
        if not isinstance(page, Page) or not page.live or not page.live_revision_id:
            return None  # not published through a revision (a script's save): not purged either
        published = page.last_published_at.timestamp() if page.last_published_at else ""
        stamps = index_version(request)
        if not stamps:
            return None
        parts += [page.pk, page.live_revision_id, published, stamps]
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"fragment:{name}:{digest}"


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, page):
        self.nodelist, self.name, self.page = nodelist, name, page

    def render(self, context):
        page = self.page.resolve(context) if self.page is not None else None
        if self.page is not None and page in (None, ""):
            return self.nodelist.render(context)  # a view, not a page: nothing to key it by
        key = fragment_key(context.get("request"), self.name.resolve(context), page)
        return kept(key, lambda: self.nodelist.render(context))


@register.tag
def fragment(parser, token):
    """{% fragment "name" [page] %}…{% endfragment %}: see the module docstring."""
    bits = token.split_contents()[1:]
    if len(bits) not in (1, 2):
        raise template.TemplateSyntaxError('usage: {% fragment "name" [page] %}')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    page = parser.compile_filter(bits[1]) if len(bits) > 1 else None
    return FragmentNode(nodelist, parser.compile_filter(bits[0]), page)
