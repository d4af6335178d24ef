"""Provider sync through the outbox: Mailchimp (a local server speaking its API) and the signed
webhook.

Mailchimp itself cannot be reached from here; tests/fake_mailchimp.py implements
the endpoints the adapter calls, as Mailchimp documents them, with faults.
"""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from portal.newsletter import outbox, subscriptions
from portal.newsletter.models import OutboxMessage, Subscriber
from portal.newsletter.providers.base import PermanentFailure, TemporaryFailure

from .factories import CountryFactory, TopicFactory
from .fake_mailchimp import FakeMailchimp
from .helpers import clear_rate_limits, links, signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailchimp(settings, home):
    clear_rate_limits()
    with FakeMailchimp() as fake:
        options = {
            "API_KEY": fake.api_key,
            "LIST_ID": fake.list_id,
            "URL": fake.url,
            "TIMEOUT": 0.5,
        }
        provider = {
            "BACKEND": "portal.newsletter.providers.mailchimp.MailchimpProvider",
            "OPTIONS": options,
        }
        settings.NEWSLETTER = {
            **settings.NEWSLETTER,
            "PROVIDER": provider,
            "RATE_LIMITS": {"ip": (10_000, 60), "email": (10, 60)},
        }
        yield fake
    clear_rate_limits()


def subscribe(client, email, **extra):
    client.post("/newsletter/", signup_data(email, **extra))
    confirm = links(mail.outbox[-1].body)["confirm"]
    client.get(confirm)
    return links(mail.outbox[-1].body)


def test_a_confirmed_signup_reaches_mailchimp_with_its_interests_as_tags(
    committing_client, mailchimp
):
    topic, _ = TopicFactory(name="Costing and financing"), CountryFactory(name="Mali", code="ML")
    urls = subscribe(
        committing_client, "ann@example.org", name="Ann", topics=[topic.slug], countries=["ML"]
    )
    member = mailchimp.member("ann@example.org")
    assert member["status"] == "subscribed" and member["merge_fields"] == {"FNAME": "Ann"}
    assert mailchimp.tags[Subscriber.objects.get().email_hash] == {
        "Topic: Costing and financing",
        "Country: Mali",
    }
    assert OutboxMessage.objects.get(kind="provider").state == "sent"

    committing_client.post(urls["unsubscribe"])
    assert mailchimp.member("ann@example.org")["status"] == "unsubscribed"
    assert list(mailchimp.created.values()) == [1]


def test_a_french_reader_is_a_french_member_at_mailchimp(committing_client, mailchimp):
    """Mailchimp's member `language`: campaigns can then be sent to each language's readers."""
    urls = subscribe(committing_client, "lea@example.org", language="fr")
    assert mailchimp.member("lea@example.org")["language"] == "fr"
    committing_client.post(urls["unsubscribe"])
    member = mailchimp.member("lea@example.org")
    assert member["status"] == "unsubscribed" and member["language"] == "fr"
    subscribe(committing_client, "ann@example.org")
    assert mailchimp.member("ann@example.org")["language"] == "en", "the page's, by default"


def test_pending_signups_never_reach_the_provider(committing_client, mailchimp):
    committing_client.post("/newsletter/", signup_data("pending@example.org"))
    assert not mailchimp.requests and not OutboxMessage.objects.filter(kind="provider").exists()


def test_provider_down_for_100_signups_then_back_delivers_each_once(committing_client, mailchimp):
    mailchimp.fault = "down"
    emails = [f"reader{n:03}@example.org" for n in range(100)]
    for email in emails:
        subscribe(committing_client, email)
    assert Subscriber.objects.filter(status="subscribed").count() == 100, (
        "the portal's list is complete meanwhile"
    )
    assert OutboxMessage.objects.filter(kind="provider", state="pending").count() == 100
    assert not mailchimp.members

    mailchimp.fault = None
    cache.clear()  # the breaker would only delay the next in-request delivery
    before = len(mailchimp.requests)
    call_command("newsletter", "sync", "--now")
    assert OutboxMessage.objects.filter(kind="provider", state="sent").count() == 100
    assert {m["email_address"] for m in mailchimp.members.values()} == set(emails)
    assert set(mailchimp.created.values()) == {1}, "no member created twice"
    puts = [path for method, path in mailchimp.requests[before:] if method == "PUT"]
    assert len(puts) == len(set(puts)) == 100, "after recovery, one PUT per subscriber"


def test_sync_now_delivers_more_than_one_batch(mailchimp):
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"batch{n:03}@example.org", status="subscribed") for n in range(230)
    )
    for subscriber in subscribers:
        outbox.queue_provider_sync(subscriber)
    call_command("newsletter", "sync", "--now")
    assert OutboxMessage.objects.filter(kind="provider", state="sent").count() == 230
    assert len(mailchimp.members) == 230


@pytest.mark.parametrize("fault", ["down", "500", "timeout"])
def test_transient_faults_are_retried_with_backoff(mailchimp, fault):
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed")
    message = outbox.queue_provider_sync(subscriber)
    mailchimp.fault = fault
    assert outbox.deliver_due() == (0, 1, 0)
    message.refresh_from_db()
    assert (
        message.state == "pending"
        and message.attempts == 1
        and message.next_attempt_at > timezone.now()
    )
    assert message.last_error
    mailchimp.fault = None
    assert outbox.deliver_due() == (0, 0, 0), "not due yet: backoff"
    assert outbox.deliver_due(now=timezone.now() + datetime.timedelta(seconds=11)) == (1, 0, 0)
    assert mailchimp.member("ann@example.org")["status"] == "subscribed"


def test_4xx_is_marked_failed_with_the_providers_reason_in_the_admin(mailchimp, admin_client):
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed")
    message = outbox.queue_provider_sync(subscriber)
    mailchimp.fault = "400"
    assert outbox.deliver_due() == (0, 0, 1)
    message.refresh_from_db()
    assert message.state == "failed"
    assert "Invalid Resource: Please provide a valid email address." in message.last_error
    listing = admin_client.get("/admin/newsletter_outbox/?state=failed").content.decode()
    assert "Please provide a valid email address." in listing


def test_a_crashed_worker_leaves_the_message_to_the_next_one(mailchimp):
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed")
    message = outbox.queue_provider_sync(subscriber)
    now = timezone.now()
    assert outbox._claim(message, now), "a worker claims it, then dies before delivering"
    assert outbox.deliver_due(now=now) == (0, 0, 0), (
        "another worker does not take a claimed message"
    )
    later = now + datetime.timedelta(seconds=outbox.POLICY.claim_seconds + 1)
    assert outbox.deliver_due(now=later) == (1, 0, 0)


def test_a_crash_after_delivery_repeats_it_harmlessly(mailchimp):
    """Delivered but not recorded (the worker died): the retry is an upsert, not a second member."""
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed")
    message = outbox.queue_provider_sync(subscriber)
    from portal.newsletter.providers import get_provider

    get_provider().deliver(message)
    assert outbox.deliver_due() == (1, 0, 0)
    assert mailchimp.created == {subscriber.email_hash: 1}


def test_deleting_a_subscriber_archives_them_at_mailchimp(mailchimp, committing_client):
    subscribe(committing_client, "ann@example.org")
    Subscriber.objects.get().delete()
    outbox.deliver_due()
    assert mailchimp.member("ann@example.org")["status"] == "archived"


def test_changing_interests_drops_old_tags(committing_client, mailchimp):
    a, b = TopicFactory(name="Alpha"), TopicFactory(name="Beta")
    subscribe(committing_client, "ann@example.org", topics=[a.slug])
    # The "already subscribed" email's link
    subscribe(committing_client, "ann@example.org", topics=[b.slug])
    assert Subscriber.objects.get().topics == [b.slug]
    assert mailchimp.tags[Subscriber.objects.get().email_hash] == {"Topic: Beta"}


class Receiver:
    """A webhook receiver on 127.0.0.1 recording what arrives."""

    def __init__(self, status=200):
        self.received, self.status = [], status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook(settings, home):
    receiver = Receiver()
    options = {"URL": receiver.url, "SECRET": "s3cret-shared-with-receiver", "TIMEOUT": 1}
    provider = {
        "BACKEND": "portal.newsletter.providers.webhook.WebhookProvider",
        "OPTIONS": options,
    }
    settings.NEWSLETTER = {**settings.NEWSLETTER, "PROVIDER": provider}
    yield receiver
    receiver.close()


def test_webhook_posts_signed_json(webhook):
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed", name="Ann")
    message = outbox.queue_provider_sync(subscriber)
    assert outbox.deliver_due() == (1, 0, 0)
    [(headers, body)] = webhook.received
    expected = hmac.new(
        b"s3cret-shared-with-receiver",
        headers["X-Portal-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    )
    assert headers["X-Portal-Signature"] == f"sha256={expected.hexdigest()}"
    assert headers["X-Portal-Delivery"] == str(message.pk)
    event = json.loads(body)
    assert (
        event["event"] == "subscriber.updated"
        and event["email"] == "ann@example.org"
        and event["status"] == "subscribed"
        and event["language"] == "en"
    )


@pytest.mark.parametrize(
    "status, error", [(503, TemporaryFailure), (429, TemporaryFailure), (422, PermanentFailure)]
)
def test_webhook_status_codes(webhook, status, error):
    webhook.status = status
    subscriber = Subscriber.objects.create(email="ann@example.org", status="subscribed")
    message = outbox.queue_provider_sync(subscriber)
    from portal.newsletter.providers import get_provider

    with pytest.raises(error):
        get_provider().deliver(message)


def test_sign_up_service_is_idempotent_for_a_race(home):
    """Two signups for one new address at the same moment: one record, no error."""
    first = subscriptions.sign_up(signup_data_dict("race@example.org"), "http://testserver")
    second = subscriptions.sign_up(signup_data_dict("RACE@example.org"), "http://testserver")
    assert first.pk == second.pk and Subscriber.objects.count() == 1


def signup_data_dict(email):
    return {"e": email, "n": "", "o": "", "c": "", "t": [], "k": [], "v": "2026-11", "s": ""}


# --- Updates as Mailchimp campaigns ------------------------------------------------------


def test_an_update_becomes_one_campaign_for_its_segment_scheduled_once_despite_faults(
    mailchimp, admin_client
):
    from portal.newsletter import schedule, updates
    from portal.newsletter.models import NewsletterIssue

    TopicFactory(name="Costing", slug="costing")
    everyone = [
        Subscriber.objects.create(email=email, status="subscribed", language=lang, topics=topics)
        for email, lang, topics in [
            ("ana@example.org", "pt", ["costing"]),
            ("rui@example.org", "pt", ["costing", "policy"]),
            ("amy@example.org", "en", ["costing"]),
            ("joao@example.org", "pt", ["policy"]),
        ]
    ]
    for subscriber in everyone:
        outbox.queue_provider_sync(subscriber)
    call_command("newsletter", "sync")
    issue = NewsletterIssue.objects.create(
        subject="Novidades", language="pt", audience="segment", topics=["costing"],
        languages=["pt"],
    )  # fmt: skip
    issue.save_revision().publish()
    send_at = timezone.now() + datetime.timedelta(days=2)
    updates.schedule(issue, send_at, None)
    # Mailchimp creates the campaign, and the answer is lost; then scheduling fails once.
    mailchimp.fail_next("POST", r"/campaigns$", "timeout", after=True)
    mailchimp.fail_next("POST", r"/actions/schedule$", "500")
    assert schedule.run_due(timezone.now())["updates"] == 1, "queued at once: Mailchimp waits"
    for _attempt in range(3):
        call_command("newsletter", "sync", "--now")
    posts = [path for method, path in mailchimp.requests if method == "POST"]
    assert sum(path.endswith("/campaigns") for path in posts) == 1, "created once, answer lost"
    assert sum(path.endswith("/actions/schedule") for path in posts) == 2, "a 500, then done"
    assert len(mailchimp.campaigns) == 1, "a retry finds the campaign it made, never a second"
    [campaign] = mailchimp.campaigns.values()
    assert mailchimp.recipients_of(campaign) == {"ana@example.org", "rui@example.org"}
    assert [action for action, _when in campaign["actions"]] == ["schedule"]
    scheduled = datetime.datetime.fromisoformat(campaign["actions"][0][1])
    assert scheduled.minute % 15 == 0 and send_at <= scheduled < send_at + datetime.timedelta(
        minutes=15
    )
    assert "*|UNSUB|*" in campaign["content"]["html"] and campaign["content"]["plain_text"]
    assert campaign["tracking"]["opens"] is False, "opens are off unless the site turns them on"
    issue.refresh_from_db()
    assert issue.campaign_id == campaign["id"] and issue.send_status == "queued"
    page = admin_client.get(f"/admin/newsletter/updates/{issue.pk}/send/").content.decode()
    assert f"Sent as Mailchimp campaign {campaign['id']} to 2 recipients" in page
    assert OutboxMessage.objects.get(key=f"campaign:{issue.pk}").state == "sent"
    assert schedule.run_due(timezone.now())["updates"] == 0
    call_command("newsletter", "sync", "--now")
    assert len(mailchimp.campaigns) == 1 and len(campaign["actions"]) == 1
