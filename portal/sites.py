"""Wagtail's Site for a request's host, kept per site version, with its root page as routing
starts from it: three queries less on every miss.

Wagtail looks the Site up on every request that is not a page-cache hit (routing, redirects,
settings, menus), then routes from `site.root_page.localized.specific`: the active Locale and
the specific root page in that language, two more queries. Sites, locales and the root page
and its translations change only by a Site save or delete, a Locale change, or a publish of
a site root, each of which re-stamps the site version (portal.cache_purge), so what is kept
under that version is never stale."""

import hashlib

from django.http.request import split_domain_port
from django.utils import translation
from wagtail.models import Site

from . import outage
from .cache_purge import fragment_timeout, kept, site_version

NO_SITE = "none"  # kept too: a host no site answers for


class KeptRoot:
    """A page mixin for site roots: `localized` answers from the live translations
    KeptSiteMiddleware found when it kept the site (none when it kept nothing)."""

    @property
    def localized(self):
        found = getattr(self, "_kept_translations", {}).get(translation.get_language())
        return found if found is not None else super().localized


def _site_for(request):
    """The Site with its specific root page, which knows its live translations."""
    site = Site._find_for_request(request)
    if site is None:
        return NO_SITE
    if fragment_timeout() <= 0:
        return site  # kept nowhere: Wagtail's own lookups, as before
    root = site.root_page.specific
    if isinstance(root, KeptRoot):
        translations = type(root).objects.filter(translation_key=root.translation_key, live=True)
        root._kept_translations = {
            page.locale.language_code: root if page.pk == root.pk else page
            for page in translations.select_related("locale")
        }
        site.root_page = root
    return site


class KeptSiteMiddleware:
    """Set request._wagtail_site (Site.find_for_request's own memo) from the cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hostname = split_domain_port(request._get_raw_host())[0]
        where = f"{hostname}:{request.get_port()}"
        digest = hashlib.blake2b(where.encode(), digest_size=12).hexdigest()
        key = f"fragment:site:{digest}:{site_version(request)}"
        try:
            site = kept(key, lambda: _site_for(request))
        except outage.ERRORS:  # the database is down: the view meets it and answers the 503
            return self.get_response(request)
        request._wagtail_site = None if site == NO_SITE else site
        return self.get_response(request)
