"""Email providers' tracking webhooks through django-anymail: a signed hard bounce or
complaint suppresses the address; an unsigned or forged one is refused.

Mailgun stands for the providers anymail covers: its webhooks are signed (HMAC-SHA256 of
timestamp and token with the webhook signing key), as Mailgun documents, and anymail also
checks the shared basic-auth secret. Nothing here reaches Mailgun itself.
"""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core import mail
from django.core.management import call_command

from portal.newsletter import outbox
from portal.newsletter.models import OutboxMessage, Subscriber, Suppression

pytestmark = pytest.mark.django_db
SECRET, SIGNING_KEY = "portal:webhook-secret-0123", "mailgun-signing-key-0123"
URL = "/anymail/mailgun/tracking/"


@pytest.fixture
def anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def event(kind, recipient, severity="permanent", key=SIGNING_KEY, timestamp=None):
    timestamp, token = str(int(timestamp or time.time())), "a8ce0edb2dd8301dee6c2405235584e4"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": kind,
            "severity": severity,
            "recipient": recipient,
            "timestamp": float(timestamp),
            "id": "CPgfbmQMTCKtHW6uIWtuVe",
            "message": {"headers": {"message-id": "20130503182626.18666.16540@example.org"}},
        },
    }


def post(client, body, auth=SECRET):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_a_signed_hard_bounce_suppresses_the_address_for_every_email(client, anymail, home):
    Subscriber.objects.create(email="gone@example.org", status="subscribed")
    assert post(client, event("failed", "Gone@Example.org")).status_code == 200
    assert Suppression.covers("gone@example.org")
    assert Subscriber.objects.get().status == "bounced"
    assert not Suppression.objects.filter(email_hash__contains="@").exists(), "a hash only"
    outbox.queue_bulk(
        [("update:1:1", {"to": "gone@example.org", "subject": "x", "text": "x"}, None)]
    )
    call_command("newsletter", "sync")
    assert mail.outbox == [] and OutboxMessage.objects.get().state == "failed"
    assert "suppressed" in OutboxMessage.objects.get().last_error


def test_a_complaint_suppresses_and_unsubscribes(client, anymail, home):
    Subscriber.objects.create(email="angry@example.org", status="subscribed")
    assert post(client, event("complained", "angry@example.org")).status_code == 200
    assert Suppression.objects.get().reason == "complained"
    assert Subscriber.objects.get().status == "unsubscribed"


def test_a_soft_bounce_is_not_a_reason_to_stop(client, anymail, home):
    assert (
        post(client, event("failed", "full@example.org", severity="temporary")).status_code == 200
    )
    assert not Suppression.objects.exists()


def test_unsigned_forged_or_unauthenticated_events_are_refused(client, anymail, home):
    forged = event("failed", "victim@example.org", key="not-the-key")
    assert post(client, forged).status_code == 400
    unsigned = event("failed", "victim@example.org")
    del unsigned["signature"]
    assert post(client, unsigned).status_code == 400
    assert (
        post(client, event("failed", "victim@example.org"), auth="portal:guess").status_code == 400
    )
    assert post(client, event("failed", "victim@example.org"), auth=None).status_code == 400
    assert not Suppression.objects.exists()


def test_webhooks_are_off_until_their_secret_is_set(client, settings, home):
    settings.ANYMAIL = {}
    assert post(client, event("failed", "victim@example.org")).status_code == 404
    assert not Suppression.objects.exists()
