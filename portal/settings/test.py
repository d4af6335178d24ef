"""Test runs: fast hashing, in-memory mail, media in a temporary folder.

The database is whatever DATABASE_URL says (SQLite file by default), so the
same suite runs on SQLite and on PostgreSQL.
"""

import tempfile

from .base import *  # noqa: F403 - the settings are base.py plus these overrides
from .base import Path

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdef"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
WAGTAILADMIN_BASE_URL = "http://testserver"

# The suite picks its search backends itself (TEST_OPENSEARCH_URL, TEST_ELASTICSEARCH_URL).
PORTAL_SEARCH = {"BACKEND": "search.backends.database.DatabaseBackend", "OPTIONS": {}}

# Uploaded PDFs are read at the commit, in the test's own thread (one test starts the worker).
DOCUMENT_TEXT_BACKGROUND = False

# Login throttling is tested on its own (tests/test_production.py turns it on); elsewhere
# tests log in with client.login(), which authenticates without a request.
AXES_ENABLED = False

# Unthrottled: the throttle has its own test (tests/test_outbox_delivery.py).
NEWSLETTER = {**NEWSLETTER, "SEND_RATE": 0}
