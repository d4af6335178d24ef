"""The configured provider: NEWSLETTER["PROVIDER"] = {"BACKEND": dotted path, "OPTIONS": {...}}."""

from django.conf import settings
from django.utils.module_loading import import_string

_cache = {}


def get_provider():
    config = settings.NEWSLETTER["PROVIDER"]
    key = (config["BACKEND"], repr(sorted(config.get("OPTIONS", {}).items())))
    if key not in _cache:
        _cache.clear()
        _cache[key] = import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
    return _cache[key]
