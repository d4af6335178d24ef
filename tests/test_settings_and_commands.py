"""Environment-driven settings and the admin bootstrap."""

import io
import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


def load_settings(module, **env):
    """Import a settings module in a fresh interpreter; return (exit code, output)."""
    code = (
        "import django;from django.conf import settings;django.setup();"
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'])"
    )
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean_env, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    code, output = load_settings("portal.settings.production")
    assert code != 0
    assert "Set SECRET_KEY in the environment" in output


def test_production_refuses_to_start_without_a_database_url():
    code, output = load_settings("portal.settings.production", SECRET_KEY="x" * 50)
    assert code != 0 and "Set DATABASE_URL" in output


def test_production_reads_the_environment():
    code, output = load_settings(
        "portal.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="portal.example.org, www.portal.example.org",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/portal",
    )
    assert code == 0, output
    assert (
        "False ['portal.example.org', 'www.portal.example.org'] django.db.backends.postgresql"
        in output
    )


def test_dev_defaults_to_sqlite_and_debug():
    code, output = load_settings("portal.settings.dev")
    assert code == 0, output
    assert output.startswith("True") and "sqlite3" in output


@pytest.mark.django_db
def test_ensure_admin_creates_the_admin_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "editor")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-123")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert get_user_model().objects.get(username="editor").is_superuser
    assert "/admin/" in out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_explains_how_without_the_environment(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "createsuperuser" in out.getvalue()
    assert not get_user_model().objects.exists()


def test_search_cluster_is_chosen_by_the_environment():
    code, output = load_settings("portal.settings.dev", OPENSEARCH_URL="http://127.0.0.1:9200")
    assert code == 0, output
    code, output = load_settings(
        "portal.settings.dev",
        OPENSEARCH_URL="http://127.0.0.1:9200",
        ELASTICSEARCH_URL="http://127.0.0.1:9201",
    )
    assert code != 0 and "Set ELASTICSEARCH_URL or OPENSEARCH_URL, not both" in output


def test_email_goes_to_smtp_when_email_host_is_set():
    code = (
        "import django;from django.conf import settings;django.setup();"
        "print(settings.EMAIL_BACKEND, settings.EMAIL_PORT)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}

    def backend(module, **extra):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": "x" * 50, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert backend("portal.settings.dev") == "django.core.mail.backends.console.EmailBackend 25"
    assert backend("portal.settings.dev", EMAIL_HOST="smtp.example.org", EMAIL_PORT="2525") == (
        "django.core.mail.backends.smtp.EmailBackend 2525"
    )
    production = backend(
        "portal.settings.production",
        EMAIL_HOST="smtp.example.org",
        DATABASE_URL="postgres://u:p@h/db",
    )
    assert production.endswith("smtp.EmailBackend 587")
