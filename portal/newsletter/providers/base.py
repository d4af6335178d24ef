"""The provider interface: deliver one outbox message, or say whether to retry.

A provider keeps a copy of the list; the portal's database is the source of
truth. Deliveries must be idempotent (an upsert of the subscriber's current
state), because a crash between delivering and recording it means a retry.
"""

import json
import urllib.error
import urllib.request


class DeliveryError(Exception):
    """Base class; `retry` says whether the outbox tries again later."""

    retry = True


class TemporaryFailure(DeliveryError):
    """Timeouts, refused connections, 5xx, 408, 429: retried with backoff."""


class PermanentFailure(DeliveryError):
    """The provider refused the change (4xx): marked failed with its reason, not retried."""

    retry = False


class BaseProvider:
    label = "local"
    enabled = False  # the local list only: nothing is queued for a provider

    def __init__(self, **options):
        self.options = options

    def deliver(self, message):
        raise NotImplementedError  # an interface method: each provider delivers its own way


def http_json(method, url, body=None, headers=None, timeout=5.0):
    """(status, parsed JSON or text) for an HTTP call; TemporaryFailure for network errors and
    5xx/429."""
    data = (
        body
        if isinstance(body, bytes)
        else (json.dumps(body).encode() if body is not None else None)
    )
    request = urllib.request.Request(url, data=data, method=method, headers={**(headers or {})})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        raise TemporaryFailure(
            f"{type(error).__name__}: {getattr(error, 'reason', error)}"
        ) from error
    text = raw.decode("utf-8", "replace")
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text
    if status in (408, 429) or status >= 500:
        raise TemporaryFailure(f"HTTP {status}: {_reason(payload)}")
    if status >= 400:
        raise PermanentFailure(f"HTTP {status}: {_reason(payload)}")
    return status, payload


def _reason(payload):
    """The provider's own words: Mailchimp's title and detail, or the start of the body."""
    if isinstance(payload, dict):
        parts = [
            str(payload[key]) for key in ("title", "detail", "error", "message") if payload.get(key)
        ]
        if parts:
            return ": ".join(parts)[:500]
    return str(payload or "no body")[:500]
