"""Fixed-window rate limits in Django's cache: per client IP and per email address.

The cache is local memory by default (per process), Redis when configured;
either way a limited client gets a clear 429, never a silent drop. While Redis is
down nothing is counted, as for a first attempt: signups go on, unlimited.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """REMOTE_ADDR: behind a proxy, have the proxy (or gunicorn's forwarded_allow_ips) set it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _hit(kind, key, limit, window):
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"newsletter:rate:{kind}:{digest}"
    cache.add(name, 0, timeout=window)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        count = 1
    if count is None:  # the cache is down (its errors are ignored): nothing was counted
        count = 1
    return count > limit


def ip_limited(request):
    """Counts this POST; True when the client has posted too often in the window."""
    return _hit("ip", client_ip(request), *settings.NEWSLETTER["RATE_LIMITS"]["ip"])


def email_limited(email):
    """Counts a valid signup for this address; True when it has had too many (mail bombing)."""
    return _hit("email", email.lower(), *settings.NEWSLETTER["RATE_LIMITS"]["email"])
