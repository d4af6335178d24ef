"""Cloudflare, purged by cache tag (every plan since 2025), and by URL for Wagtail's callers.

Cloudflare reads a response's tags from `Cache-Tag` (comma-separated) and strips the header
before a reader sees it. The API takes 100 tags or URLs per purge request; a refusal
(`success: false`, a 4xx or 5xx) raises, and portal.edge logs it. Wagtail's own
CloudflareBackend purges URLs only, from a fixed API address; API_URL here lets the tests
point this one at a stand-in (tests/fake_cloudflare.py).

Params: ZONEID, and BEARER_TOKEN (an API token with Cache Purge permission) or EMAIL with
API_KEY; API_URL (default https://api.cloudflare.com/client/v4), TIMEOUT (seconds)."""

import logging

import requests
from django.core.exceptions import ImproperlyConfigured

from .base import KeyedBackend

logger = logging.getLogger("wagtail.frontendcache")

PER_REQUEST = 100  # Cloudflare's limit on tags (or URLs) in one purge request


class CloudflareTagsBackend(KeyedBackend):
    key_header = "Cache-Tag"
    key_separator = ","

    def __init__(self, params):
        super().__init__(params)
        self.zone = params.get("ZONEID")
        token, email, api_key = (params.get(k) for k in ("BEARER_TOKEN", "EMAIL", "API_KEY"))
        if not self.zone or not (token or (email and api_key)):
            raise ImproperlyConfigured(
                "The Cloudflare edge backend needs ZONEID, and BEARER_TOKEN or EMAIL with API_KEY."
            )
        self.headers = (
            {"Authorization": f"Bearer {token}"}
            if token
            else {"X-Auth-Email": email, "X-Auth-Key": api_key}
        )
        api = params.get("API_URL") or "https://api.cloudflare.com/client/v4"
        self.endpoint = f"{api.rstrip('/')}/zones/{self.zone}/purge_cache"
        self.timeout = float(params.get("TIMEOUT", 10))

    def purge_keys(self, keys):
        self._purge("tags", list(keys))

    def purge_batch(self, urls):
        self._purge("files", list(urls))

    def purge(self, url):
        self._purge("files", [url])

    def _purge(self, field, items):
        for start in range(0, len(items), PER_REQUEST):
            chunk = items[start : start + PER_REQUEST]
            response = requests.post(
                self.endpoint, json={field: chunk}, headers=self.headers, timeout=self.timeout
            )
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code != 200 or not body.get("success"):
                errors = "; ".join(str(e.get("message")) for e in body.get("errors") or ())
                raise RuntimeError(
                    f"Cloudflare refused a purge of {len(chunk)} {field} "
                    f"({response.status_code}: {errors or response.reason})"
                )
            logger.info("[cloudflare] purged %d %s", len(chunk), field)
