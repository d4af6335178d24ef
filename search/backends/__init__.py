"""Search backends, chosen by a dotted path in settings.PORTAL_SEARCH["BACKEND"]."""

from portal import loading


def get_search_backend():
    """The configured backend (one instance per process, so clients and breakers are shared;
    a new one when PORTAL_SEARCH changes)."""
    return loading.instance("PORTAL_SEARCH")
