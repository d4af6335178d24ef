"""Listing pages (briefs, publications, news) narrowed by the search facets.

Wired in through settings.PORTAL_LISTING, so portal's ListingPage never
imports search: its children, newest first, with the same facet URLs as /search/.
"""

from .backends import get_search_backend
from .query import InvalidSearch, SearchParams


def faceted_listing(page, request):
    """Extra context for a listing page, and its status (400 for bad parameters)."""
    context = {"listing_template": "search/includes/listing.html"}
    try:
        params = SearchParams.for_request(request.GET, parent_id=page.pk)
    except InvalidSearch as invalid:
        return {**context, "errors": invalid.errors, "status": 400}
    results = get_search_backend().search(params)
    return {**context, "params": params, "results": results}
