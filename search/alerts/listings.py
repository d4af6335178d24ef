""" "What is new since the last update" for the newsletter's updates, by the search contract
(registered in AlertsConfig.ready: the newsletter cannot search itself)."""

from django.utils import translation
from django.utils.html import strip_tags

from portal.newsletter.blocks import absolute
from portal.newsletter.listings import ListedItem, Listings

from ..backends import get_search_backend
from ..facets import LANGUAGE
from ..query import SearchParams


class SearchListings(Listings):
    def new_since(self, since, language, topics=(), countries=(), limit=10):
        filters = {LANGUAGE: (language,)}
        if topics:
            filters["topic"] = tuple(topics)
        if countries:
            filters["country"] = tuple(countries)
        params = SearchParams(filters=filters, sort="newest", page_size=limit,
                              published_after=since)  # fmt: skip
        with translation.override(language):
            results = get_search_backend().search(params)
        return [
            ListedItem(
                hit.title, absolute(hit.url), hit.type_label, hit.date, strip_tags(str(hit.snippet))
            )
            for hit in results.hits
        ]
