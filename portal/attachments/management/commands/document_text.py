"""`document_text extract|status|requeue`: read queued documents, count them, or read again."""

from django.core.management.base import BaseCommand
from django.db.models import Count
from wagtail.documents import get_document_model

from portal.attachments import extraction
from portal.attachments.models import DocumentText


class Command(BaseCommand):
    help = (
        "Read the text of queued documents (cron, every minute), show what became of them, "
        "or queue them again (after a limit is raised)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["extract", "status", "requeue"])
        parser.add_argument("--limit", type=int, default=200, help="extract: at most this many")
        parser.add_argument(
            "--skipped", action="store_true", help="requeue: only those skipped or without text"
        )

    def handle(self, action, limit=200, skipped=False, **options):
        getattr(self, action)(limit=limit, skipped=skipped)

    def extract(self, limit, **options):
        rows = extraction.extract_due(limit=limit)
        pages = sum(row.page_count for row in rows if row.status == DocumentText.Status.TEXT)
        seconds = sum(row.seconds or 0 for row in rows)
        rate = f", {pages / seconds:.0f} pages/s" if seconds else ""
        self.stdout.write(f"Documents read: {len(rows)} ({pages} pages with text{rate}).")
        for row in rows:
            if row.status == DocumentText.Status.SKIPPED:
                self.stdout.write(f"  skipped {row.document}: {row.reason}")

    def status(self, **options):
        counts = dict(DocumentText.objects.values_list("status").annotate(n=Count("pk")).order_by())
        unqueued = get_document_model().objects.filter(text__isnull=True).count()
        for status, label in DocumentText.Status.choices:
            self.stdout.write(f"{label}: {counts.get(status, 0)}")
        self.stdout.write(f"Never queued: {unqueued}")
        for row in DocumentText.objects.exclude(last_error="").filter(
            status=DocumentText.Status.PENDING
        )[:10]:
            self.stdout.write(f"  retrying {row.document}: {row.last_error[:200]}")

    def requeue(self, skipped, **options):
        documents = get_document_model().objects.all()
        if skipped:
            documents = documents.filter(
                text__status__in=[DocumentText.Status.SKIPPED, DocumentText.Status.NO_TEXT]
            )
        count = 0
        for document in documents.iterator():
            extraction.queue(document)
            count += 1
        self.stdout.write(f"Queued again: {count}; `document_text extract` reads them.")
