"""Settings shared by every environment.

Safe by default: everything that differs between machines comes from the
environment, and nothing here turns on debugging or weakens security.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name, default=False):
    """Read a boolean from the environment ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    """Read a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Content apps: briefs -> research -> portal, never the other way.
    "portal",
    "portal.newsletter",
    "portal.edge",
    "portal.attachments",
    "research",
    "briefs",
    "search",
    "search.alerts",
    "anymail",
    "wagtail.api.v2",
    "rest_framework",
    # Translation: a segment editor, PO export and import, and sync from the source page.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Admin login throttling; keep after django.contrib.auth.
    "axes",
]

# Everything above PageCacheMiddleware also runs for responses served from the page
# cache (headers, validators); everything below runs only when a page is rendered.
MIDDLEWARE = [
    "portal.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "portal.pagecache.PageCacheMiddleware",
    "portal.edge.middleware.SurrogateKeyMiddleware",
    # Database down: a 503 with Retry-After, never a 500 (portal/outage.py).
    "portal.outage.OutageMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.sites.KeptSiteMiddleware",  # Wagtail's Site per host, kept per site version
    # The language comes from the URL (/fr/, /pt/, English at the root), never from
    # Accept-Language alone: see portal/urls.py.
    "portal.i18n.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.security.AdminNetworkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Seconds a 503 answered while the database is unreachable asks clients to wait.
OUTAGE_RETRY_AFTER = int(os.environ.get("OUTAGE_RETRY_AFTER", "30"))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# DATABASE_URL selects the database (postgres://user:pass@host:port/name);
# without it, a SQLite file under the repository.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches: Redis when REDIS_URL is set (shared by every process, so a publish purges
# pages everywhere), else this process's memory. Redis outages degrade to misses:
# django-redis ignores Redis errors (reads miss, writes are dropped, `incr` returns None),
# and the short timeouts bound what each call can wait while Redis is unreachable.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_cache(url):
    """A cache on Redis at `url` that degrades to misses while Redis is down."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.5,
        },
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("LOCMEM_CACHE_MAX_ENTRIES", "2000"))},
        }
    }
# Ignored Redis errors are logged: one line every 5 s (LOGGING's "throttle" below).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# The edge cache in front (portal/edge/): public responses carry surrogate keys and a
# CDN-Cache-Control lifetime; a publish purges the keys it touches through Wagtail's
# frontend-cache backends, one per edge configured below (README: "The edge cache").
EDGE = {
    "TTL": int(os.environ.get("EDGE_TTL", "86400")),
    "STALE_SECONDS": int(os.environ.get("EDGE_STALE_SECONDS", "2")),
    "STALE_IF_ERROR": int(os.environ.get("EDGE_STALE_IF_ERROR", "86400")),
    "REPURGE_SECONDS": float(os.environ.get("EDGE_REPURGE_SECONDS", "2")),
}
WAGTAILFRONTENDCACHE = {}
if os.environ.get("EDGE_VARNISH_URLS"):
    WAGTAILFRONTENDCACHE["varnish"] = {
        "BACKEND": "portal.edge.backends.varnish.XkeyBackend",
        "LOCATIONS": [u.strip() for u in os.environ["EDGE_VARNISH_URLS"].split(",") if u.strip()],
    }
if os.environ.get("EDGE_CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "portal.edge.backends.cloudflare.CloudflareTagsBackend",
        "ZONEID": os.environ["EDGE_CLOUDFLARE_ZONE_ID"],
        "BEARER_TOKEN": os.environ.get("EDGE_CLOUDFLARE_TOKEN", ""),
        "API_URL": os.environ.get("EDGE_CLOUDFLARE_API_URL", ""),
    }
if os.environ.get("EDGE_CLOUDFRONT_DISTRIBUTION_ID"):
    # Wagtail's own backend: CloudFront has no tags, so it gets paths (trees as "/path/*").
    # Credentials and the endpoint come from boto3's environment (AWS_*).
    WAGTAILFRONTENDCACHE["cloudfront"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        "DISTRIBUTION_ID": os.environ["EDGE_CLOUDFRONT_DISTRIBUTION_ID"],
    }

# The full-page cache for anonymous readers (portal/pagecache.py; purged on publish by
# portal/cache_purge.py). Without Redis each process caches for itself, so a change made
# in one process reaches the others when their copy expires: hence the shorter default.
# With an edge in front and no Redis, per-process copies (pages, and the fragments a miss
# reuses) that a publish in another process cannot purge would be fetched by the edge as
# fresh and kept for a day: the edge is then the only cache.
_KEPT_SECONDS = "600" if REDIS_URL else "0" if WAGTAILFRONTENDCACHE else "60"
PAGE_CACHE = {
    "ALIAS": "default",
    "TIMEOUT": int(os.environ.get("PAGE_CACHE_TIMEOUT", _KEPT_SECONDS)),
    # Fragments kept between renders (menus, a page's parts, the Site, view restrictions).
    "FRAGMENT_TIMEOUT": int(os.environ.get("PAGE_CACHE_FRAGMENT_TIMEOUT", _KEPT_SECONDS)),
    "BROWSER_MAX_AGE": int(os.environ.get("PAGE_CACHE_BROWSER_MAX_AGE", "60")),
    # After a purge, one reader renders while the others get the previous copy for this long.
    "STALE_SECONDS": float(os.environ.get("PAGE_CACHE_STALE_SECONDS", "2")),
    "EXCLUDE": ("/admin/", "/documents/", "/newsletter/", "/static/", "/media/"),
}

# Security headers (portal/security.py). No 'unsafe-inline' or 'unsafe-eval': the public
# pages have no inline script or style.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ADMIN_PATH_PREFIXES = ("/admin/",)
# Optional: the admin only answers these networks ("10.0.0.0/8,2001:db8::/32").
ADMIN_ALLOWED_NETWORKS = env_list("ADMIN_ALLOWED_NETWORKS")
# Proxies whose X-Forwarded-For names the client ("127.0.0.1,10.0.0.0/8"); none by default.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failures from one
# address, or for one username from one address, logins are refused (429) for the
# cool-off. Records are in the database, so every process sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The portal's languages, declared once: the interface, the URL prefixes, the content
# locales, the search analysers (search/languages.py) and the feeds all derive from these.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # the interface's catalogues (README: Languages)
# Dates in each language's own formats ({{ value|date }}); English keeps "1 March 2014".
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads (images, renditions, documents) in an S3-compatible bucket instead of MEDIA_ROOT,
# shared by every app server (portal/storage.py). Credentials come from boto3's usual
# AWS_* variables; MEDIA_S3_ENDPOINT_URL names another S3 service (MinIO, moto in tests).
if os.environ.get("MEDIA_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "portal.storage.MediaStorage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"],
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            "file_overwrite": False,
            "default_acl": None,  # private: the portal serves every file (portal/storage.py)
        },
    }
# Documents stream through Wagtail's view, which checks a private page's or collection's
# restrictions, whatever the storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Page editors with many inline items (objectives, articles) exceed Django's 1000.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email: SMTP with the EMAIL_* variables (dev.py prints to the console unless EMAIL_HOST is set),
# or an email provider through django-anymail: EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend
# (or amazon_ses, postmark, brevo, mailjet, sendgrid, ...) with its ANYMAIL_* settings.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")


def newsletter_provider():
    """Mailchimp when MAILCHIMP_API_KEY is set, a signed webhook when NEWSLETTER_WEBHOOK_URL is,
    else none."""
    timeout = float(os.environ.get("NEWSLETTER_PROVIDER_TIMEOUT", "5"))
    if os.environ.get("MAILCHIMP_API_KEY") and os.environ.get("NEWSLETTER_WEBHOOK_URL"):
        raise ImproperlyConfigured("Set MAILCHIMP_API_KEY or NEWSLETTER_WEBHOOK_URL, not both.")
    if os.environ.get("MAILCHIMP_API_KEY"):
        if not os.environ.get("MAILCHIMP_LIST_ID"):
            raise ImproperlyConfigured(
                "MAILCHIMP_API_KEY needs MAILCHIMP_LIST_ID (the audience id)."
            )
        options = {
            "API_KEY": os.environ["MAILCHIMP_API_KEY"],
            "LIST_ID": os.environ["MAILCHIMP_LIST_ID"],
            "URL": os.environ.get("MAILCHIMP_API_URL", ""),
            "NAME_FIELD": os.environ.get("MAILCHIMP_NAME_FIELD", "FNAME"),
            "ORGANIZATION_FIELD": os.environ.get("MAILCHIMP_ORGANIZATION_FIELD", ""),
            "TIMEOUT": timeout,
        }
        return {
            "BACKEND": "portal.newsletter.providers.mailchimp.MailchimpProvider",
            "OPTIONS": options,
        }
    if os.environ.get("NEWSLETTER_WEBHOOK_URL"):
        if len(os.environ.get("NEWSLETTER_WEBHOOK_SECRET", "")) < 16:
            raise ImproperlyConfigured(
                "NEWSLETTER_WEBHOOK_URL needs NEWSLETTER_WEBHOOK_SECRET (16+ characters)."
            )
        options = {
            "URL": os.environ["NEWSLETTER_WEBHOOK_URL"],
            "SECRET": os.environ["NEWSLETTER_WEBHOOK_SECRET"],
            "TIMEOUT": timeout,
        }
        return {
            "BACKEND": "portal.newsletter.providers.webhook.WebhookProvider",
            "OPTIONS": options,
        }
    return {"BACKEND": "portal.newsletter.providers.local.LocalProvider", "OPTIONS": {}}


def rate(name, default):
    """A rate limit "count/seconds" from the environment."""
    count, _, seconds = os.environ.get(name, default).partition("/")
    return int(count), int(seconds)


# django-anymail: every ANYMAIL_<NAME> variable is ANYMAIL["<NAME>"] (ANYMAIL_MAILGUN_API_KEY,
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_POSTMARK_SERVER_TOKEN, ...). Tracking webhooks
# (/anymail/<provider>/tracking/) answer only once ANYMAIL_WEBHOOK_SECRET ("user:password",
# also put in the provider's webhook URL) is set.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}

NEWSLETTER = {
    "PROVIDER": newsletter_provider(),
    "CONFIRM_MAX_AGE": int(os.environ.get("NEWSLETTER_CONFIRM_MAX_AGE", str(7 * 24 * 3600))),
    "RATE_LIMITS": {
        "ip": rate("NEWSLETTER_RATE_IP", "10/3600"),
        "email": rate("NEWSLETTER_RATE_EMAIL", "3/3600"),
    },
    # Emails a second the worker sends at most (0: no limit), under the SMTP server's limits.
    "SEND_RATE": float(os.environ.get("NEWSLETTER_SEND_RATE", "10")),
    # Seconds after which a message a killed worker was sending is tried again.
    "CLAIM_SECONDS": int(os.environ.get("NEWSLETTER_CLAIM_SECONDS", "120")),
    # Opens are not tracked unless turned on (an email provider's pixel; the portal adds none).
    "TRACK_OPENS": env_bool("NEWSLETTER_TRACK_OPENS", False),
}

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "TRAction Project")
# The site's address: admin notifications, the API's absolute URLs, and the demo Site's host
# and port (load_demo_content), from which the sitemap, canonical links and citations are built.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# No Gravatar: it is a third party (it would learn a hash of each staff address on every admin
# page). Without it Wagtail shows its own default avatar, a static file, until a user uploads one.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor Wagtail's update check, which asks releases.wagtail.org from every admin dashboard.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_IMAGE_MODEL = "portal.PortalImage"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# The text of uploaded PDFs, read off the request path for search (portal/attachments): a
# file past a limit is recorded as skipped, with the reason shown in the admin.
DOCUMENT_TEXT_MAX_BYTES = int(
    os.environ.get("DOCUMENT_TEXT_MAX_BYTES", str(WAGTAILDOCS_MAX_UPLOAD_SIZE))
)
DOCUMENT_TEXT_MAX_PAGES = int(os.environ.get("DOCUMENT_TEXT_MAX_PAGES", "500"))
DOCUMENT_TEXT_MAX_CHARACTERS = int(os.environ.get("DOCUMENT_TEXT_MAX_CHARACTERS", "500000"))
DOCUMENT_TEXT_TIMEOUT = int(os.environ.get("DOCUMENT_TEXT_TIMEOUT", "60"))  # seconds per file
DOCUMENT_TEXT_MEMORY_MB = int(os.environ.get("DOCUMENT_TEXT_MEMORY_MB", "512"))  # the reader's
# A thread of the uploading process reads a new file once the upload commits (cron's
# `document_text extract` reads whatever it left); off, it is read at the commit itself.
DOCUMENT_TEXT_BACKGROUND = env_bool("DOCUMENT_TEXT_BACKGROUND", True)
# Weeks of submitted searches the staff's report keeps (`search_index report --prune`).
SEARCH_REPORT_WEEKS = int(os.environ.get("SEARCH_REPORT_WEEKS", "52"))
# The public API (/api/v2/): at most 100 items a page, like the search; absolute URLs on this base.
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILAPI_BASE_URL", WAGTAILADMIN_BASE_URL)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {
            "features": ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]
        },
    }
}

# Site search (search/): the database by default; a cluster when its URL is set.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")
if ELASTICSEARCH_URL and OPENSEARCH_URL:
    raise ImproperlyConfigured(
        "Set ELASTICSEARCH_URL or OPENSEARCH_URL, not both: the portal uses one search cluster."
    )
# Listing pages (briefs, publications, news) use the same facets and URLs as /search/.
PORTAL_LISTING = "search.listing.faceted_listing"
PORTAL_SEARCH = {"BACKEND": "search.backends.database.DatabaseBackend", "OPTIONS": {}}
if ELASTICSEARCH_URL or OPENSEARCH_URL:
    PORTAL_SEARCH = {
        "BACKEND": (
            "search.backends.elasticsearch.ElasticsearchBackend"
            if ELASTICSEARCH_URL
            else "search.backends.opensearch.OpenSearchBackend"
        ),
        "OPTIONS": {
            "URL": ELASTICSEARCH_URL or OPENSEARCH_URL,
            "INDEX": os.environ.get("SEARCH_INDEX", "portal"),
            "TIMEOUT": float(os.environ.get("SEARCH_TIMEOUT", "2")),
            "ANALYZER": os.environ.get("SEARCH_ANALYZER", ""),
            "COMPRESS": os.environ.get("SEARCH_HTTP_COMPRESS", "") == "1",
            "BULK_THREADS": int(os.environ.get("SEARCH_BULK_THREADS", "2")),
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"throttle": {"()": "portal.log_filters.Throttle", "seconds": 5}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Per-task and per-page chatter from Wagtail's background tasks.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # One line per failed login at INFO; lockouts are logged at WARNING.
        "axes": {"level": "WARNING"},
        # The cluster clients log a traceback per failed call; search/ logs one line and falls back.
        "opensearch": {"level": "ERROR"},
        "elastic_transport": {"level": "ERROR"},
        # A Redis outage: django-redis logs each error it ignores (portal.log_filters).
        "django_redis.cache": {"filters": ["throttle"]},
    },
}


def require_secret_key(key):
    """Refuse to start without a real key outside development."""
    if not key or key.startswith("django-insecure") or len(key) < 32:
        raise ImproperlyConfigured(
            "Set SECRET_KEY in the environment to a random value of 32+ characters."
        )
    return key


# Image renditions are served by Django only when this is set (production.py sets it;
# with DEBUG, runserver serves all of /media/).
SERVE_MEDIA = False
