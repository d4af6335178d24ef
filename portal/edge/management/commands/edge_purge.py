"""`edge_purge retry|status`: send the edge purges a backend refused, or count them."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.edge import queue
from portal.edge.models import PendingPurge


class Command(BaseCommand):
    help = "Retry the edge purges a CDN or Varnish refused (cron, every minute), or show them."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["retry", "status"])
        parser.add_argument("--now", action="store_true", help="Retry all, ignoring the backoff.")

    def handle(self, action, now=False, **options):
        if action == "retry":
            if now:
                PendingPurge.objects.update(next_attempt_at=timezone.now())
            root = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            sent, failed = queue.retry_due(root)
            self.stdout.write(f"Edge purges sent: {sent}; failed again: {failed}.")
            return
        pending = PendingPurge.objects.order_by("created_at")
        self.stdout.write(f"Pending edge purges: {pending.count()}")
        for purge in pending[:10]:
            self.stdout.write(
                f"  {purge}, {purge.attempts} attempt(s), next {purge.next_attempt_at:%H:%M:%S}: "
                f"{purge.last_error[:200]}"
            )
