"""The configured provider: NEWSLETTER["PROVIDER"] = {"BACKEND": dotted path, "OPTIONS": {...}}."""

from portal import loading


def get_provider():
    """One provider per process, rebuilt when NEWSLETTER["PROVIDER"] changes."""
    return loading.instance("NEWSLETTER", "PROVIDER")
