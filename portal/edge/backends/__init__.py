"""Frontend-cache backends that purge by surrogate key (Wagtail's BaseBackend, plus purge_keys)."""
