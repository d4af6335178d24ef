"""Kill the worker half-way through an update to 1,000 subscribers, run it again: each gets it
exactly once. Real parts: PostgreSQL (shared by the test and the worker processes), the
worker as `manage.py newsletter send-due` in its own process, and an SMTP server (aiosmtpd).

The SMTP server kills the worker (SIGKILL) when the 501st message arrives and refuses that
message (451), as a server whose client vanished mid-message would never deliver it.
"""

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from portal.newsletter import updates
from portal.newsletter.models import NewsletterIssue, OutboxMessage, Subscriber

from .helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 1000


class KillingInbox:
    """Accepts messages; at the `kill_at`-th kills the worker and refuses it."""

    def __init__(self, kill_at):
        self.kill_at, self.worker, self.recipients = kill_at, None, []

    async def handle_DATA(self, server, session, envelope):
        if len(self.recipients) == self.kill_at and self.worker is not None:
            os.kill(self.worker.pid, signal.SIGKILL)
            self.worker = None
            return "451 4.3.0 Client gone: not delivered"
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def worker_env(smtp_port):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "NEWSLETTER_SEND_RATE": "0",
        "NEWSLETTER_CLAIM_SECONDS": "1",
        "DEBUG": "0",
    }


def send_due(env):
    command = [sys.executable, "manage.py", "newsletter", "send-due"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL=postgres://..., as CI's second run sets): the worker "
    "is another process, which SQLite's in-memory test database cannot share",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_half_way_and_run_again_sends_each_exactly_once(home):
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n:04}@example.org", status="subscribed")
        for n in range(SUBSCRIBERS)
    )
    issue = NewsletterIssue.objects.create(subject="Update", language="en", audience="everyone")
    issue.save_revision().publish()
    updates.schedule(issue, timezone.now(), None)
    inbox = KillingInbox(kill_at=SUBSCRIBERS // 2)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = worker_env(controller.port)
        first = inbox.worker = send_due(env)
        assert first.wait(timeout=300) == -signal.SIGKILL
        assert len(inbox.recipients) == SUBSCRIBERS // 2
        time.sleep(1.5)  # the killed worker's claim runs out
        second = send_due(env)
        output, _ = second.communicate(timeout=300)
        assert second.returncode == 0, output
    finally:
        controller.stop()
    counts = collections.Counter(inbox.recipients)
    assert len(counts) == SUBSCRIBERS, "nothing lost"
    assert max(counts.values()) == 1, "nothing doubled"
    assert OutboxMessage.objects.filter(state="sent").count() == SUBSCRIBERS
    print(f"killed after {SUBSCRIBERS // 2}; the rerun: {output.strip()}")
