"""gunicorn settings for `gunicorn portal.wsgi` (production settings by default).

PORT/BIND, WEB_CONCURRENCY (workers), GUNICORN_THREADS and GUNICORN_MAX_REQUESTS come from the
environment.
Binds to 127.0.0.1: put a TLS-terminating proxy in front, which sets X-Forwarded-Proto.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a guard against slow leaks), spread out so they do not all restart
# at once. Not too often: a new worker imports Django and Wagtail (1-2 s of CPU), while a page-cache
# hit costs under a millisecond; at 2,000 the two workers restarted every few seconds under load,
# together, with no worker left to answer (bench/load_bench.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 2
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True
