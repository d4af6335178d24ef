"""The public, read-only API: Wagtail's API v2 at /api/v2/ (pages, images, documents).

Pages are live and public only (Wagtail's API never serves drafts or private
pages). Each page type lists its typed fields (`api_fields` on the models).
`country`, `topic` and `study` filter any listing with the search facets'
semantics (OR within a parameter's comma-separated values, AND across), read
from the search store, so they work across page types. `locale=fr` (Wagtail's own
filter) lists one language's pages; `translation_of=<id>` a page's translations.
"""

from django.conf import settings
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from portal.validation import has_control_characters

from .facets import FACETS_BY_NAME
from .models import SearchFacetValue

TAXONOMY_PARAMETERS = ("country", "topic", "study")
MAX_OFFSET = (
    1_000_000_000  # Wagtail checks that an offset is a number, not that the database can hold it
)


class CheckedParameters:
    """Values Wagtail's API would pass on unchecked answer 400 naming the parameter, never 500.

    A NUL breaks PostgreSQL and SQLite's full-text search (`search`, `site`, `locale`,
    `html_path`, the taxonomy filters), so control characters are refused everywhere, as
    /api/search/ refuses them; an offset past 64 bits overflows the query; `find/?id=`
    must be a number.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, values in request.GET.lists():
            if has_control_characters(name) or any(map(has_control_characters, values)):
                raise BadRequestError(
                    f"query parameter {name!r} must not contain control characters "
                    "(NUL, line breaks)"
                )
        locale = request.GET.get("locale")
        if locale is not None and locale not in dict(settings.LANGUAGES):
            # Wagtail's answer would be a bare 404 ("No Locale matches the given query").
            known = ", ".join(dict(settings.LANGUAGES))
            raise BadRequestError(f"locale {locale!r} is not one of this site's: {known}")
        try:
            too_far = int(request.GET.get("offset", "0")) > MAX_OFFSET
        except ValueError:
            too_far = False  # Wagtail's own check names it
        if too_far:
            raise BadRequestError(f"offset must be at most {MAX_OFFSET}")

    def find_object(self, queryset, request):
        if "id" in request.GET:
            try:
                int(request.GET["id"])
            except ValueError:
                raise BadRequestError("id must be a whole number") from None
        return super().find_object(queryset, request)


class TaxonomyFilter(BaseFilterBackend):
    """?country=ML,RW&topic=costing: pages carrying any of each parameter's values."""

    def filter_queryset(self, request, queryset, view):
        for name in TAXONOMY_PARAMETERS:
            raw = request.GET.get(name)
            if raw is None:
                continue
            values = [
                FACETS_BY_NAME[name].normalise(v.strip()) for v in raw.split(",") if v.strip()
            ]
            if not values or len(values) > 50 or any(len(v) > 100 for v in values):
                raise BadRequestError(
                    f"{name}: give 1 to 50 comma-separated values of at most 100 characters"
                )
            page_ids = SearchFacetValue.objects.filter(facet=name, value__in=values).values(
                "document__page_id"
            )
            queryset = queryset.filter(pk__in=page_ids)
        return queryset


class PortalPagesAPIViewSet(CheckedParameters, PagesAPIViewSet):
    filter_backends = [TaxonomyFilter, *PagesAPIViewSet.filter_backends]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(TAXONOMY_PARAMETERS)

    def get_queryset(self):
        """With one page type, fetch the relations its API fields read once, not once per page."""
        queryset = super().get_queryset()
        return queryset.prefetch_related(*getattr(queryset.model, "api_prefetch", ()))

    @classmethod
    def get_listing_default_fields(cls, model):
        """A listing of one page type shows its key fields (a study's countries and timeline)
        unasked."""
        return [
            *super().get_listing_default_fields(model),
            *getattr(model, "api_listing_fields", []),
        ]


class PortalImagesAPIViewSet(CheckedParameters, ImagesAPIViewSet):
    pass


class PortalDocumentsAPIViewSet(CheckedParameters, DocumentsAPIViewSet):
    pass


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PortalPagesAPIViewSet)
api_router.register_endpoint("images", PortalImagesAPIViewSet)
api_router.register_endpoint("documents", PortalDocumentsAPIViewSet)
