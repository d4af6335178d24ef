"""Results staff pin to a query: Wagtail's own search promotions (Settings → Promoted search
results: a page, or an external link, with a description), shown above the hits on the first
page of a search for exactly that query and marked as recommended, on the page and in the
API, whichever backend answers.

A promotion shows only where the reader has not narrowed the search: a pinned page need
not match a country or a type the reader chose, and would then contradict it. A promoted
page shows in the reader's language when it has a live translation, and not at all while
it is unpublished or private; its own hit is then left out of the results beneath it.
"""

from dataclasses import dataclass

from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.search.utils import normalise_query_string

from portal import cached

CACHE_KEY = "search:promoted-queries:1"
CACHE_TIMEOUT = 300  # seconds; a change deletes it at once (as synonyms.CACHE_TIMEOUT)


@dataclass
class Promotion:
    title: str
    url: str
    description: str
    key: str = ""  # the promoted page's search document ("page:12"); "" for an external link

    @property
    def external(self):
        return not self.key

    def as_json(self):
        return {
            "title": self.title,
            "url": self.url,
            "description": self.description,
            "external": self.external,
            "recommended": True,
        }


def applies(params):
    """Whether `params` is a search promotions answer: a query, the first page, no facet the
    reader chose, not a listing's or an alert's own search."""
    return bool(
        params.q
        and params.page == 1
        and not params.explicit_filters
        and params.parent_id is None
        and params.published_after is None
    )


def for_search(params):
    """The Promotions of `params`' query, in the editors' order."""
    if not applies(params):
        return []
    query = normalise_query_string(params.q)
    if query not in promoted_queries():
        return []
    rows = (
        SearchPromotion.objects.filter(query__query_string=query)
        .select_related("page")
        .order_by("sort_order", "pk")
    )
    found = []
    for row in rows:
        if row.page_id is None:
            if row.external_link_url:
                title = row.external_link_text or row.external_link_url
                found.append(Promotion(title, row.external_link_url, row.description))
            continue
        page = row.page.specific.localized
        if not page.live or page.get_view_restrictions().exists():
            continue
        url = page.get_url()
        if url:
            description = row.description or page.search_description
            found.append(Promotion(page.title, url, description, key=f"page:{page.pk}"))
    return found


def promoted_queries():
    """The queries that have a promotion, from the cache: most searches have none, and
    asking the database on each first page cost a millisecond of every search."""
    return cached.read(CACHE_KEY, _read_promoted_queries, CACHE_TIMEOUT)


def _read_promoted_queries():
    return frozenset(SearchPromotion.objects.values_list("query__query_string", flat=True))


def forget():
    """Drop the cached queries (a promotion was saved or deleted)."""
    cached.forget(CACHE_KEY)
