"""Tag public responses with their surrogate keys and the edge's lifetime (portal.edge).

Placed right after PageCacheMiddleware, so the portal's own cache stores the headers and
replays them on a hit. A personal response (a session, messages, a cookie set, CSRF, private
or no-cache) gets neither header, and the edge's VCL passes it."""

from .. import cache_purge, i18n, pagecache
from . import CONTROL_HEADER, cache_control, key_headers, page_keys


class SurrogateKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if pagecache.bypass(request) or not pagecache.storable(request, response):
            return response
        keys = ["all"]
        page = getattr(request, "edge_page", None)
        if page is not None:
            keys += page_keys(page)
        if cache_purge.is_index_path(i18n.unprefixed(request.path_info)):
            keys.append("index")
        for header, separator in key_headers().items():
            response[header] = separator.join(keys)
        response[CONTROL_HEADER] = cache_control()
        return response
