"""One loader for what settings name by dotted path: backends, providers, hooks.

`load("PORTAL_LISTING")` is the function or class a setting names; `instance("PORTAL_SEARCH")`
and `instance("NEWSLETTER", "PROVIDER")` build one object from a setting shaped like
{"BACKEND": "dotted.path", "OPTIONS": {...}}. Each is kept for the process (so clients, pools
and breakers are shared by every request) until the setting changes: Django's `setting_changed`
(override_settings, pytest-django's `settings`) drops it, and so does a plain assignment of a
different value (the benchmark scripts assign settings directly).
"""

import copy
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

_loaded = {}  # (setting, key) -> (a copy of the value it was built from, the object)
_lock = threading.Lock()


def _value(setting, key):
    value = getattr(settings, setting, None)
    if key is not None:
        value = (value or {}).get(key)
    return value


def _name(setting, key):
    return setting if key is None else f'{setting}["{key}"]'


def _import(path, setting, key):
    try:
        return import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"{_name(setting, key)}: cannot import {path!r} ({error})"
        ) from error


def _cached(setting, key, build):
    value = _value(setting, key)
    entry = _loaded.get((setting, key))
    if entry is not None and entry[0] == value:
        return entry[1]
    with _lock:
        entry = _loaded.get((setting, key))
        if entry is None or entry[0] != value:
            entry = _loaded[(setting, key)] = (copy.deepcopy(value), build(value))
        return entry[1]


def load(setting, key=None):
    """What settings.<setting> (or settings.<setting>[key]) names by dotted path, or None."""
    return _cached(setting, key, lambda path: _import(path, setting, key) if path else None)


def instance(setting, key=None):
    """One instance of {"BACKEND": dotted path, "OPTIONS": {...}} from settings.<setting>[key]."""

    def build(config):
        if not isinstance(config, dict) or not config.get("BACKEND"):
            raise ImproperlyConfigured(f'{_name(setting, key)} needs a "BACKEND" dotted path')
        return _import(config["BACKEND"], setting, key)(**config.get("OPTIONS", {}))

    return _cached(setting, key, build)


@receiver(setting_changed, dispatch_uid="portal_loading_reset")
def reset(setting=None, **kwargs):
    """Forget what was loaded from a changed setting (all of it when called without one)."""
    with _lock:
        for loaded in [k for k in _loaded if setting is None or k[0] == setting]:
            del _loaded[loaded]
