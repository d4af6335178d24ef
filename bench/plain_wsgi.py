"""Django's own WSGI application with production settings, without portal/wsgi.py's page-cache
fast path (portal/pagecache_wsgi.py): what bench/edge_bench.py compares the fast path with.
Page-cache hits are then answered by PageCacheMiddleware inside Django's request cycle."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

application = get_wsgi_application()
