"""WSGI entry point; production settings unless DJANGO_SETTINGS_MODULE says otherwise.

Page-cache hits are answered in front of Django's request cycle (portal/pagecache_wsgi.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

application = get_wsgi_application()

from portal.pagecache_wsgi import PageCacheHits  # noqa: E402 - needs the settings configured above

application = PageCacheHits(application)
