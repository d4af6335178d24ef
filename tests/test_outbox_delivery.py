"""The worker's delivery: throttled to the configured rate, one SMTP connection per batch, and
a dropped connection costs one retry, not the rest of the batch."""

import pytest
from django.core.management import call_command

from portal.newsletter import outbox
from portal.newsletter.models import OutboxMessage

pytestmark = pytest.mark.django_db


def queue(count, prefix="m"):
    payloads = [
        (f"{prefix}:{n}", {"to": f"r{n}@example.org", "subject": "s", "text": "t"}, None)
        for n in range(count)
    ]
    return outbox.queue_bulk(payloads)


class FakeClock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_the_worker_keeps_to_the_send_rate(settings, monkeypatch, home):
    settings.NEWSLETTER = {**settings.NEWSLETTER, "SEND_RATE": 4}
    clock = FakeClock()
    monkeypatch.setattr(outbox.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(outbox.time, "sleep", clock.sleep)
    queue(9)
    assert outbox.deliver_due() == (9, 0, 0)
    assert sum(clock.slept) == pytest.approx(8 / 4), "nine emails at four a second: two seconds"


def test_queuing_the_same_key_twice_queues_it_once(home):
    assert queue(3) == 3
    assert queue(3) == 0
    assert OutboxMessage.objects.count() == 3


class PeerInbox:
    """Records which connection (client port) each message came on."""

    def __init__(self, refuse_first=False):
        self.peers, self.refuse_first = [], refuse_first

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_first:
            self.refuse_first = False
            return "421 4.3.2 Service shutting down"
        self.peers.append(session.peer)
        return "250 OK"


@pytest.fixture
def peer_smtp(settings):
    from aiosmtpd.controller import Controller

    from .helpers import free_port

    def start(**options):
        inbox = PeerInbox(**options)
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        return inbox

    started = []
    yield start
    for controller in started:
        controller.stop()


def test_a_batch_shares_one_smtp_connection(peer_smtp, home):
    inbox = peer_smtp()
    queue(6)
    call_command("newsletter", "sync")
    assert len(inbox.peers) == 6 and len(set(inbox.peers)) == 1


def test_a_dropped_connection_fails_one_message_and_the_batch_goes_on(peer_smtp, home):
    inbox = peer_smtp(refuse_first=True)
    queue(4)
    sent, retrying, failed = outbox.deliver_due()
    assert (sent, retrying, failed) == (3, 1, 0)
    assert len(inbox.peers) == 3 and len(set(inbox.peers)) == 1, "one new connection after it"
    assert OutboxMessage.objects.filter(state="pending").get().attempts == 1
