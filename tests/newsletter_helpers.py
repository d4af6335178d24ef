"""Shared by the newsletter tests: a signup POST, links found in sent mail, a clean cache."""

import re

from django.core.cache import cache

LINK_RE = re.compile(r"https?://\S+/newsletter/(confirm|unsubscribe)/([^/\s]+)/")


def signup_data(email="ann@example.org", **extra):
    return {"email": email, "consent": "on", "name": "", "organization": "", "country": "", **extra}


def links(text):
    """{"confirm": path, "unsubscribe": path} from an email body."""
    found = {}
    for match in LINK_RE.finditer(text):
        found.setdefault(match.group(1), "/" + match.group(0).split("/", 3)[3])
    return found


def clear_rate_limits():
    cache.clear()
