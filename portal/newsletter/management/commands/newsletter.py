"""`newsletter send-due` queues what is due (alert digests) and delivers the outbox (cron every
few minutes, or --watch); `newsletter sync` only delivers; `newsletter status` counts."""

import json
import time

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from ... import personal_data
from ...models import OutboxMessage, Subscriber
from ...outbox import deliver_due, retry_now
from ...providers import get_provider
from ...schedule import run_due


class Command(BaseCommand):
    help = (
        "Queue due emails and deliver them (send-due), deliver queued changes and emails "
        "(sync), or show the list and the outbox (status)."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        send_due = commands.add_parser(
            "send-due", help="queue the digests and updates that are due, then deliver"
        )
        sync = commands.add_parser("sync", help="deliver what is due")
        for command in (send_due, sync):
            command.add_argument(
                "--now",
                action="store_true",
                help="retry everything pending at once (after an outage)",
            )
            command.add_argument(
                "--watch", type=float, metavar="SECONDS", help="keep going, every SECONDS"
            )
        commands.add_parser("status", help="subscribers by status, outbox by state")
        export = commands.add_parser("export", help="everything a reader gave, as JSON")
        erase = commands.add_parser(
            "erase", help="erase everything a reader gave (their address stays suppressed)"
        )
        for command in (export, erase):
            command.add_argument("email")
        erase.add_argument("--yes", action="store_true", help="do it (without: say what)")

    def handle(self, *args, action, **options):
        if action == "status":
            return self.status()
        if action == "export":
            data = personal_data.export(options["email"])
            return self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        if action == "erase":
            return self.erase(options["email"], options["yes"])
        if options["now"]:
            self.stdout.write(f"{retry_now()} pending message(s) made due now.")
        while True:
            if action == "send-due":
                for name, queued in run_due(timezone.now()).items():
                    if queued or not options["watch"]:
                        self.stdout.write(f"Queued {queued} email(s): {name}.")
            sent, retrying, failed = self.deliver_all_due()
            if sent or retrying or failed or not options["watch"]:
                self.stdout.write(f"Delivered {sent}, to retry {retrying}, failed {failed}.")
            if not options["watch"]:
                return
            time.sleep(options["watch"])

    def erase(self, email, confirmed):
        if not confirmed:
            found = personal_data.export(email)
            self.stdout.write(json.dumps(found, indent=2, ensure_ascii=False))
            self.stdout.write("This is what would be erased; run again with --yes to erase it.")
            return
        removed = personal_data.erase(email)
        self.stdout.write(
            "Erased: "
            + ", ".join(f"{name} {count}" for name, count in removed.items())
            + ". The address stays on the suppression list as a hash."
        )

    def deliver_all_due(self, batch=200):
        """Batches until nothing due is left (a retried message is due again only later, so
        this ends)."""
        totals = [0, 0, 0]
        while True:
            counts = deliver_due(limit=batch)
            totals = [total + count for total, count in zip(totals, counts, strict=True)]
            if sum(counts) < batch:
                return totals

    def status(self):
        self.stdout.write(f"Provider: {get_provider().label}")
        subscribers = dict(Subscriber.objects.values_list("status").annotate(n=Count("id")))
        self.stdout.write(
            "Subscribers: "
            + ", ".join(f"{s} {subscribers.get(s, 0)}" for s in Subscriber.Status.values)
        )
        rows = (
            OutboxMessage.objects.values_list("kind", "state")
            .annotate(n=Count("id"))
            .order_by("kind", "state")
        )
        for kind, state, count in rows:
            self.stdout.write(f"Outbox {kind} {state}: {count}")
        latest = (
            OutboxMessage.objects.exclude(last_error="")
            .exclude(state=OutboxMessage.State.SENT)
            .last()
        )
        if latest:
            self.stdout.write(f"Latest error ({latest.email}, {latest.kind}): {latest.last_error}")
