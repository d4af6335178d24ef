"""Local development: debug on, mail to the console, a fixed insecure key."""

from .base import *  # noqa: F403 - the settings are base.py plus these overrides
from .base import env_bool, os

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-dev-only-never-use-in-production"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
if not os.environ.get("EMAIL_HOST") and not os.environ.get("EMAIL_BACKEND"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
