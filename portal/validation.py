"""Checks shared by every input path: forms, search parameters, the public API."""

import re

# C0 controls and DEL: NUL breaks PostgreSQL and SQLite's full-text search, CR and LF
# make header injection, and none of them belongs in a single-line value.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(value):
    """True when a string holds a control character (NUL, a line break, a tab, DEL...)."""
    return isinstance(value, str) and _CONTROL_RE.search(value) is not None
