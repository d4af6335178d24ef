"""Atom and RSS for any search: the latest content (/feed/), news (/feed/news/) and /search/feed/.

A feed is a search sorted newest first, so "new findings on Mali" is
/search/feed/?country=ML&type=findings, with the same parameters as /search/.
Bad parameters answer 400 naming each one, as the search does.
"""

import datetime
from dataclasses import replace

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from .backends import get_search_backend
from .query import InvalidSearch, SearchParams
from .views import uncached_if_fallback

FEED_SIZE = 30


class InvalidFeed(Exception):
    def __init__(self, errors):
        self.errors = errors


class SearchFeed(Feed):
    """RSS 2.0 of a search, newest first; subclasses fix a facet or switch to Atom."""

    feed_type = Rss201rev2Feed
    fixed_filters = {}
    name = "search"

    def __call__(self, request, *args, **kwargs):
        try:
            response = super().__call__(request, *args, **kwargs)
        except InvalidFeed as invalid:
            lines = [f"{name}: {message}" for name, message in invalid.errors.items()]
            return HttpResponseBadRequest(
                _("Bad feed parameters.") + "\n" + "\n".join(lines),
                content_type="text/plain; charset=utf-8",
            )
        return uncached_if_fallback(response, getattr(request, "search_results", None))

    def get_object(self, request, *args, **kwargs):
        try:
            params = SearchParams.for_request(request.GET)
        except InvalidSearch as invalid:
            raise InvalidFeed(invalid.errors) from invalid
        params = replace(params, sort="newest", page=1, page_size=FEED_SIZE)
        if self.fixed_filters:
            params = replace(params, filters={**params.filters, **self.fixed_filters})
        self.request = request
        request.search_results = get_search_backend().search(params)  # read by __call__
        return request.search_results

    def describe(self, results):
        return results.describe(fixed=self.fixed_filters)

    def title(self, results):
        described = self.describe(results) or _("latest")
        return f"{settings.WAGTAIL_SITE_NAME}: {described}"

    def description(self, results):
        described = self.describe(results) or _("Everything published.")
        return _("The newest %(count)s results, newest first. %(search)s") % {
            "count": FEED_SIZE,
            "search": described,
        }

    subtitle = description  # Atom's name for it

    def link(self, results):
        query = self.request.GET.urlencode()
        return reverse("search") + (f"?{query}" if query else "")

    def items(self, results):
        return results.hits

    def item_title(self, hit):
        return f"{hit.title} ({hit.type_label})"

    def item_description(self, hit):
        return strip_tags(str(hit.snippet))

    def item_link(self, hit):
        return hit.url

    def item_guid(self, hit):
        return hit.key

    item_guid_is_permalink = False

    def item_pubdate(self, hit):
        """Its date, when it has one: none is invented."""
        return _midnight(hit.date)

    def item_updateddate(self, hit):
        """When it last changed (Atom requires one for every entry, dated or not)."""
        return _midnight(max(filter(None, [hit.date, hit.changed]), default=None))

    def item_categories(self, hit):
        return [name for _code, name in (*hit.countries, *hit.topics)]


class AtomSearchFeed(SearchFeed):
    feed_type = Atom1Feed


class NewsFeed(SearchFeed):
    fixed_filters = {"type": ("news",)}

    def title(self, results):
        news = _("News")
        return f"{settings.WAGTAIL_SITE_NAME}: {news}"


class AtomNewsFeed(NewsFeed):
    feed_type = Atom1Feed


def _midnight(date):
    return datetime.datetime.combine(date, datetime.time.min, tzinfo=datetime.UTC) if date else None
