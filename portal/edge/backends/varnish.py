"""Varnish with varnish-modules' xkey (scripts/varnish/portal.vcl).

`PURGE /` with `xkey-purge: k1 k2 ...` soft-purges every object tagged with one of the keys,
so readers get the old copy for a moment while one fetch renders the new one. LOCATION is one
Varnish, or LOCATIONS several (each edge server is purged)."""

import logging
from urllib.parse import urlsplit

import requests

from .base import KeyedBackend

logger = logging.getLogger("wagtail.frontendcache")

KEYS_PER_REQUEST = 100  # keeps the header well under Varnish's 8 KB limit


class XkeyBackend(KeyedBackend):
    def __init__(self, params):
        super().__init__(params)
        self.locations = list(params.get("LOCATIONS") or [params["LOCATION"]])
        self.timeout = float(params.get("TIMEOUT", 5))

    def purge_keys(self, keys):
        keys = list(keys)
        for location in self.locations:
            for start in range(0, len(keys), KEYS_PER_REQUEST):
                chunk = " ".join(keys[start : start + KEYS_PER_REQUEST])
                self._request(location, "/", {"xkey-purge": chunk})

    def purge(self, url):
        parts = urlsplit(url)
        for location in self.locations:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            self._request(location, path, {"Host": parts.netloc})

    def _request(self, location, path, headers):
        response = requests.request(
            "PURGE", location.rstrip("/") + path, headers=headers, timeout=self.timeout
        )
        if response.status_code != 200:
            raise RuntimeError(f"Varnish at {location} answered {response.status_code}")
        logger.info("[varnish] %s %s", location, response.reason)
