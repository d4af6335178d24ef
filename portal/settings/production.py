"""Production: SECRET_KEY and DATABASE_URL are required, HTTPS assumed, static files hashed.

Serve with gunicorn (gunicorn.conf.py): `gunicorn portal.wsgi`. WhiteNoise serves
the collected static files (`manage.py collectstatic`), pre-compressed, with
hashed names and a year's cache lifetime.
"""

from .base import *  # noqa: F403 - the settings are base.py plus these overrides
from .base import (
    EMAIL_USE_SSL,
    MIDDLEWARE,
    SECRET_KEY,
    STORAGES,
    ImproperlyConfigured,
    env_bool,
    os,
    require_secret_key,
)

DEBUG = False
SECRET_KEY = require_secret_key(SECRET_KEY)
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "Set DATABASE_URL (postgres://user:password@host:5432/name) in production."
    )

# Static files: hashed names and gzip/brotli copies made by collectstatic, served by WhiteNoise.
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"
MIDDLEWARE = MIDDLEWARE.copy()
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
WHITENOISE_MAX_AGE = 3600  # for the few unhashed files (hashed ones are cached for a year)
# Image renditions from MEDIA_ROOT/images/, with validators and a year's lifetime
# (portal.views.media_image); set SERVE_MEDIA=0 when a web server or CDN serves /media/.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CONTENT_SECURITY_POLICY = {**CONTENT_SECURITY_POLICY, "upgrade-insecure-requests": []}

# SMTP submission with STARTTLS unless told otherwise (the EMAIL_* variables are read in base.py).
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
