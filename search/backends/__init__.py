"""Search backends, chosen by a dotted path in settings.PORTAL_SEARCH["BACKEND"]."""

from django.conf import settings
from django.utils.module_loading import import_string

_backend = None


def get_search_backend():
    """The configured backend (one instance per process, so clients and breakers are shared)."""
    global _backend
    config = settings.PORTAL_SEARCH
    if _backend is None or _backend.config is not config:
        backend_class = import_string(config["BACKEND"])
        _backend = backend_class(**config.get("OPTIONS", {}))
        _backend.config = config
    return _backend
