"""Communications staff see the list in Wagtail's admin: filters, CSV export, rights from Wagtail
groups."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from portal.newsletter.models import OutboxMessage, Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribers(home):
    Subscriber.objects.create(
        email="sub@example.org", status="subscribed", name="Sub", consent_version="2026-11"
    )
    Subscriber.objects.create(email="pending@example.org", status="pending")
    Subscriber.objects.create(email="gone@example.org", status="unsubscribed")


def test_listing_filters_by_status(admin_client, subscribers):
    html = admin_client.get(
        "/admin/newsletter_subscribers/", {"status": "subscribed"}
    ).content.decode()
    assert "sub@example.org" in html and "pending@example.org" not in html


def test_csv_export(admin_client, subscribers):
    response = admin_client.get("/admin/newsletter_subscribers/", {"export": "csv"})
    assert (
        response.status_code == 200 and "newsletter-subscribers" in response["Content-Disposition"]
    )
    content = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Email"
    assert {row[0] for row in rows[1:]} == {
        "sub@example.org",
        "pending@example.org",
        "gone@example.org",
    }


def denied(response):
    """Wagtail's answer to PermissionDenied: back to the dashboard (with a message)."""
    return (response.status_code, response.get("Location")) == (302, "/admin/")


def test_rights_follow_wagtail_permissions(client, django_user_model, subscribers):
    editor = django_user_model.objects.create_user("editor", "e@example.org", "pw")
    group = Group.objects.create(name="Communications")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    client.force_login(editor)
    assert denied(client.get("/admin/newsletter_subscribers/"))
    group.permissions.add(Permission.objects.get(codename="view_subscriber"))
    assert client.get("/admin/newsletter_subscribers/").status_code == 200
    edit = client.get(f"/admin/newsletter_subscribers/edit/{Subscriber.objects.first().pk}/")
    assert denied(edit), "viewing is not editing"


def test_staff_status_changes_are_queued_for_the_provider(admin_client, subscribers, settings):
    settings.NEWSLETTER = {
        **settings.NEWSLETTER,
        "PROVIDER": {
            "BACKEND": "portal.newsletter.providers.webhook.WebhookProvider",
            "OPTIONS": {"URL": "http://127.0.0.1:9/unused", "SECRET": "x" * 20, "TIMEOUT": 0.2},
        },
    }
    subscriber = Subscriber.objects.get(email="sub@example.org")
    data = {
        "email": subscriber.email,
        "name": "Sub",
        "organization": "",
        "country": "",
        "language": "en",
        "status": "bounced",
    }
    response = admin_client.post(f"/admin/newsletter_subscribers/edit/{subscriber.pk}/", data)
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(kind="provider", subscriber=subscriber).exists()


def test_outbox_rows_cannot_be_created_by_hand(admin_client, home):
    assert denied(admin_client.get("/admin/newsletter_outbox/new/"))
    assert denied(admin_client.post("/admin/newsletter_outbox/new/", {"state": "sent"}))
    assert not OutboxMessage.objects.exists()


def test_status_command(subscribers):
    out = io.StringIO()
    call_command("newsletter", "status", stdout=out)
    assert "Provider: local" in out.getvalue() and "subscribed 1" in out.getvalue()


def test_provider_settings_refuse_ambiguity(monkeypatch):
    from portal.settings import base

    monkeypatch.setenv("MAILCHIMP_API_KEY", "abc-us1")
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_URL", "https://example.org/hook")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        base.newsletter_provider()
    monkeypatch.delenv("NEWSLETTER_WEBHOOK_URL")
    with pytest.raises(ImproperlyConfigured, match="MAILCHIMP_LIST_ID"):
        base.newsletter_provider()
    monkeypatch.setenv("MAILCHIMP_LIST_ID", "list1")
    assert base.newsletter_provider()["OPTIONS"]["API_KEY"] == "abc-us1"
