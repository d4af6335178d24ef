"""The public, read-only API: Wagtail's API v2 at /api/v2/ (pages, images, documents).

Pages are live and public only (Wagtail's API never serves drafts or private
pages). Each page type lists its typed fields (`api_fields` on the models).
`country`, `topic` and `study` filter any listing with the search facets'
semantics (OR within a parameter's comma-separated values, AND across), read
from the search store, so they work across page types.
"""

from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from .facets import FACETS_BY_NAME
from .models import SearchFacetValue

TAXONOMY_PARAMETERS = ("country", "topic", "study")


class TaxonomyFilter(BaseFilterBackend):
    """?country=ML,RW&topic=costing: pages carrying any of each parameter's values."""

    def filter_queryset(self, request, queryset, view):
        for name in TAXONOMY_PARAMETERS:
            raw = request.GET.get(name)
            if raw is None:
                continue
            values = [FACETS_BY_NAME[name].normalise(v.strip()) for v in raw.split(",") if v.strip()]
            if not values or len(values) > 50 or any(len(v) > 100 for v in values):
                raise BadRequestError(f"{name}: give 1 to 50 comma-separated values of at most 100 characters")
            page_ids = SearchFacetValue.objects.filter(facet=name, value__in=values).values("document__page_id")
            queryset = queryset.filter(pk__in=page_ids)
        return queryset


class PortalPagesAPIViewSet(PagesAPIViewSet):
    filter_backends = [TaxonomyFilter, *PagesAPIViewSet.filter_backends]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(TAXONOMY_PARAMETERS)

    def get_queryset(self):
        """With one page type, fetch the relations its API fields read once, not once per page."""
        queryset = super().get_queryset()
        return queryset.prefetch_related(*getattr(queryset.model, "api_prefetch", ()))

    @classmethod
    def get_listing_default_fields(cls, model):
        """A listing of one page type shows its key fields (a study's countries and timeline) unasked."""
        return [*super().get_listing_default_fields(model), *getattr(model, "api_listing_fields", [])]


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PortalPagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
