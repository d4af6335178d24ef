"""What a keyed backend adds to Wagtail's frontend-cache BaseBackend."""

from wagtail.contrib.frontend_cache.backends.base import BaseBackend


class KeyedBackend(BaseBackend):
    """A cache that can drop every object tagged with a surrogate key.

    portal.edge calls `purge_keys()`; Wagtail's own callers (`purge_url_from_cache`) still
    reach `purge()`/`purge_batch()` by URL. `key_header` is the response header the cache
    reads the keys from, joined by `key_separator`."""

    key_header = "Surrogate-Key"
    key_separator = " "

    def purge_keys(self, keys) -> None:
        raise NotImplementedError
