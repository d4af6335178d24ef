"""`search_index rebuild|status|sync|verify|vocabulary|report`: build, inspect, catch up and
check the search index, recount the words suggestions use, and keep the search report."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search import indexing, report, vocabulary
from search.backends import get_search_backend
from search.backends.base import BackendUnavailable
from search.models import PendingIndexUpdate, SearchDocument


class Command(BaseCommand):
    help = (
        "Rebuild the search index, show its status, or send queued updates "
        "(run `sync` periodically)."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        rebuild = commands.add_parser(
            "rebuild", help="Rebuild the document store, then a new engine index."
        )
        rebuild.add_argument(
            "--engine-only", action="store_true", help="Skip the store; rebuild the engine from it."
        )
        commands.add_parser("status", help="Engine health, document counts and pending updates.")
        verify = commands.add_parser(
            "verify",
            help="Compare the store and the engine's index with the live pages, by key and "
            "content hash; exit 1 if they differ.",
        )
        verify.add_argument(
            "--repair",
            action="store_true",
            help="Write missing and changed documents, delete extra ones (then exit 0).",
        )
        commands.add_parser(
            "vocabulary",
            help="Count the stored documents' words afresh, for suggestions and corrections "
            "(nightly: the store keeps the counts as it writes; this evens out what a publish "
            "during a rebuild left).",
        )
        searches = commands.add_parser(
            "report", help="This week's submitted searches; --prune deletes the old ones."
        )
        searches.add_argument(
            "--prune",
            action="store_true",
            help="Delete searches older than SEARCH_REPORT_WEEKS weeks (cron, nightly).",
        )
        sync = commands.add_parser("sync", help="Send queued updates to the engine.")
        sync.add_argument(
            "--now", action="store_true", help="Retry failed updates now, ignoring their backoff."
        )
        sync.add_argument(
            "--watch", type=float, metavar="SECONDS", help="Keep syncing every SECONDS."
        )

    def handle(self, action, **options):
        getattr(self, action)(**options)

    def vocabulary(self, **options):
        started = time.monotonic()
        count = vocabulary.recount()
        seconds = time.monotonic() - started
        self.stdout.write(f"Vocabulary: {count} words, counted in {seconds:.1f} s.")

    def report(self, prune=False, **options):
        if prune:
            self.stdout.write(f"Search report: {report.prune()} old searches deleted.")
            return
        week = report.week_of(timezone.localdate())
        found = report.summary(week)
        self.stdout.write(
            f"Week of {week}: {found['searches']} searches; {len(found['no_results'])} "
            f"queries with no results; {len(found['no_click'])} with no result opened."
        )

    def progress(self, label):
        started = time.monotonic()

        def show(done, total):
            width = 30
            filled = int(width * done / total) if total else width
            rate = done / max(time.monotonic() - started, 1e-6)
            end = "\n" if done >= total else ""
            bar = "#" * filled + " " * (width - filled)
            self.stdout.write(f"\r{label} [{bar}] {done}/{total} ({rate:,.0f}/s)", ending=end)
            self.stdout.flush()

        return show

    def rebuild(self, engine_only=False, **options):
        backend = get_search_backend()
        if not engine_only:
            started = time.monotonic()
            count = indexing.rebuild_store(progress=self.progress("Pages -> document store"))
            seconds = time.monotonic() - started
            self.stdout.write(f"Document store: {count} documents in {_timing(count, seconds)}.")
        if backend.uses_queue:
            started = time.monotonic()
            try:
                count = indexing.rebuild_backend(
                    progress=self.progress(f"Store -> {backend.label}")
                )
            except Exception as error:
                raise CommandError(
                    f"Could not rebuild the {backend.label} index: {error}"
                ) from error
            seconds = time.monotonic() - started
            self.stdout.write(
                f"{backend.label}: {count} documents indexed in {_timing(count, seconds)}; "
                f"alias {backend.alias} now points to the new index."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Search index rebuilt: {SearchDocument.objects.count()} documents.")
        )

    def status(self, **options):
        status = get_search_backend().status()
        stored = SearchDocument.objects.count()
        pending = PendingIndexUpdate.objects.count()
        failing = PendingIndexUpdate.objects.filter(attempts__gt=0).order_by("-attempts").first()
        self.stdout.write(
            f"Engine: {status['engine']}" + (f" at {status['url']}" if status.get("url") else "")
        )
        health = (
            "healthy"
            if status.get("healthy")
            else f"UNAVAILABLE ({status.get('error', 'unknown error')})"
        )
        self.stdout.write(
            f"Health: {health}"
            + (f", cluster {status['cluster_status']}" if "cluster_status" in status else "")
        )
        if "indices" in status:
            self.stdout.write(
                f"Alias: {status['alias']} -> {', '.join(status['indices']) or '(none)'}"
            )
        self.stdout.write(
            f"Documents: {stored} in the database store"
            + (f", {status['documents']} in the index" if "indices" in status else "")
        )
        self.stdout.write(f"Pending updates: {pending}")
        if failing:
            self.stdout.write(
                f"Oldest failure: {failing.key}, {failing.attempts} attempt(s): "
                f"{failing.last_error[:200]}"
            )

    def verify(self, repair=False, **options):
        started = time.monotonic()
        try:
            drifts = indexing.verify(repair=repair)
        except BackendUnavailable as error:
            raise CommandError(f"Could not read the search engine's index: {error}") from error
        for drift in drifts:
            self.stdout.write(
                f"{drift.where}: {drift.checked} documents; {len(drift.missing)} missing, "
                f"{len(drift.extra)} extra, {len(drift.changed)} changed"
            )
            for name in ("missing", "extra", "changed"):
                keys = getattr(drift, name)
                if keys:
                    more = f" (and {len(keys) - 5} more)" if len(keys) > 5 else ""
                    self.stdout.write(f"  {name}: {', '.join(keys[:5])}{more}")
        seconds = time.monotonic() - started
        if not any(drifts):
            self.stdout.write(self.style.SUCCESS(f"No drift ({seconds:.1f} s)."))
        elif repair:
            self.stdout.write(self.style.SUCCESS(f"Repaired ({seconds:.1f} s)."))
        else:
            raise CommandError("The search index has drifted: run `search_index verify --repair`.")

    def sync(self, now=False, watch=None, **options):
        while True:
            if now:
                indexing.retry_now()
            done, failed = indexing.process_pending(limit=1000)
            while done and not failed and PendingIndexUpdate.objects.exists():
                more, failed = indexing.process_pending(limit=1000)
                done += more
                if not more:
                    break
            left = PendingIndexUpdate.objects.count()
            self.stdout.write(f"Synced {done} update(s); {failed} failed; {left} still queued.")
            if watch is None:
                if failed:
                    raise CommandError(f"{failed} update(s) could not be sent; they stay queued.")
                return
            time.sleep(watch)


def _timing(count, seconds):
    return f"{seconds:.1f} s ({count / max(seconds, 1e-6):,.0f}/s)"
