"""Listing pages (briefs, publications, news) narrowed by the search facets.

Wired in through settings.PORTAL_LISTING, so portal's ListingPage never
imports search: its children, newest first, with the same facet URLs as /search/.
"""

from . import languages
from .backends import get_search_backend
from .facets import LANGUAGE
from .query import InvalidSearch, SearchParams


def faceted_listing(page, request):
    """Extra context for a listing page, and its status (400 for bad parameters).

    Its children are in its own language, which `lang` defaults to (an untranslated
    listing served under /fr/ still lists its English children)."""
    own = (languages.get(page.locale.language_code).code,)
    # page_language: a result in another language says so (search/includes/results.html)
    context = {"listing_template": "search/includes/listing.html", "page_language": own[0]}
    try:
        params = SearchParams.from_query_dict(
            request.GET, defaults={LANGUAGE: own}, parent_id=page.pk
        )
    except InvalidSearch as invalid:
        return {**context, "errors": invalid.errors, "status": 400}
    results = get_search_backend().search(params)
    return {**context, "params": params, "results": results}
