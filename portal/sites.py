"""Wagtail's Site for a request's host, kept per site version: one query less on every miss.

Wagtail looks the Site up on every request that is not a page-cache hit (routing, redirects,
settings, menus). Sites change only by a Site save or delete, which re-stamps the site version
(portal.cache_purge), so a Site kept under that version is never stale."""

import hashlib

from django.http.request import split_domain_port
from wagtail.models import Site

from . import outage
from .cache_purge import kept, site_version

NO_SITE = "none"  # kept too: a host no site answers for


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
            site = kept(key, lambda: Site._find_for_request(request) or NO_SITE)
        except outage.ERRORS:  # the database is down: the view meets it and answers the 503
            return self.get_response(request)
        request._wagtail_site = None if site == NO_SITE else site
        return self.get_response(request)
