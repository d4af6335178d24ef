"""Queue a document's text, and read what is queued, never on the request path.

`queue()` writes the row in the uploader's transaction; once it commits, a worker thread of
this process reads it (`DOCUMENT_TEXT_BACKGROUND`; off in tests, which read it at commit).
If the process exits first, cron's `manage.py document_text extract` does: the row is the
work, the thread only a shortcut. Each PDF is read by `reader.py` in a child process under
the limits of settings, so a hostile file ends that child, not the worker.
"""

import dataclasses
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from ..retry import RetryPolicy
from .models import DocumentText

logger = logging.getLogger(__name__)
READER = Path(__file__).with_name("reader.py")
#: Sent after a document's text changed (read, or found to have none): `document` is the
#: document; whoever indexes the pages linking to it re-indexes them.
text_extracted = Signal()


def policy():
    """Retries for a file that could not be reached; a claim outlasts one read."""
    return RetryPolicy(
        backoff=(60, 300, 1800), then=3600, claim_seconds=settings.DOCUMENT_TEXT_TIMEOUT + 60
    )


def source_of(document):
    """What was read: the file's name and, when Wagtail computed it, its hash."""
    return f"{document.file.name}|{getattr(document, 'file_hash', '')}"[:400]


def queue(document):
    """Mark the document's text as to be read (again), and read it after the commit."""
    DocumentText.objects.update_or_create(
        document=document,
        defaults={
            "source": source_of(document),
            "status": DocumentText.Status.PENDING,
            "reason": "",
            "attempts": 0,
            "next_attempt_at": None,
            "claimed_until": None,
            "last_error": "",
            "queued_at": timezone.now(),
        },
    )
    transaction.on_commit(start_worker)


def due(now=None):
    now = now or timezone.now()
    return DocumentText.objects.filter(status=DocumentText.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def extract_due(limit=50, now=None):
    """Read up to `limit` queued documents; the rows read (skipped ones included)."""
    done = []
    for pk in due(now).order_by("queued_at").values_list("pk", flat=True)[:limit]:
        if policy().claim(DocumentText.objects.all(), pk, now):
            row = extract(pk)
            if row is not None:
                done.append(row)
    return done


def extract(pk):
    """Read one claimed row's document and record the outcome; None if it is to be retried
    or the file changed while it was read (the newer row stays queued)."""
    row = DocumentText.objects.select_related("document").get(pk=pk)
    started = time.perf_counter()
    try:
        outcome = read_document(row.document)
    except OSError as error:  # the storage (a disk, a bucket) could not give the file
        DocumentText.objects.filter(pk=pk).update(**policy().failure(row.attempts + 1, error))
        logger.warning("Document %s: file not readable (%s); retried later", row.document_id, error)
        return None
    fields = {
        "status": outcome.status,
        "reason": outcome.reason[:500],
        "pages": outcome.pages,
        "page_count": outcome.page_count,
        "characters": sum(len(page) for page in outcome.pages),
        "seconds": round(time.perf_counter() - started, 3),
        "extracted_at": timezone.now(),
        "claimed_until": None,
    }
    if not DocumentText.objects.filter(pk=pk, source=row.source).update(**fields):
        return None
    for name, value in fields.items():
        setattr(row, name, value)
    if outcome.status == DocumentText.Status.SKIPPED:
        logger.warning("Document %s skipped: %s", row.document_id, outcome.reason)
    text_extracted.send(sender=DocumentText, document=row.document)
    return row


@dataclasses.dataclass
class Outcome:
    status: str
    reason: str = ""
    pages: list = dataclasses.field(default_factory=list)
    page_count: int = 0


def read_document(document):
    """The outcome of reading a document's file, within the limits of settings."""
    size = document.file.size
    if size > settings.DOCUMENT_TEXT_MAX_BYTES:
        limit = settings.DOCUMENT_TEXT_MAX_BYTES / 1e6
        return Outcome("skipped", f"too large: {size / 1e6:.1f} MB (the limit is {limit:g} MB)")
    with document.file.open("rb") as handle:
        data = handle.read()
    return read_pdf(data)


def read_pdf(data):
    """`reader.py` in a child process, with a timeout and the memory and CPU limits."""
    timeout = settings.DOCUMENT_TEXT_TIMEOUT
    memory = settings.DOCUMENT_TEXT_MEMORY_MB
    command = [
        sys.executable, "-I", str(READER),
        "--max-pages", str(settings.DOCUMENT_TEXT_MAX_PAGES),
        "--max-characters", str(settings.DOCUMENT_TEXT_MAX_CHARACTERS),
        "--memory-mb", str(memory), "--cpu-seconds", str(timeout),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome("skipped", f"too slow: reading it took more than {timeout} s")
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        return Outcome("skipped", _failure(done, memory, timeout))
    return Outcome(answer["status"], answer["reason"], answer["pages"], answer["page_count"])


def _failure(done, memory, timeout):
    """Why the reader ended without an answer, in words staff can act on."""
    error = done.stderr.decode("utf-8", "replace")
    if "MemoryError" in error or done.returncode in (-6, -9):
        return f"too large: reading it needed more than {memory} MB"
    if done.returncode == -24:  # SIGXCPU
        return f"too slow: reading it took more than {timeout} s of CPU"
    last = error.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
    return f"unreadable: the reader failed ({last[0][:200]})"


# --- the worker thread ---------------------------------------------------------------

_lock = threading.Lock()
_again = threading.Event()


def start_worker():
    """Read what is due: in a thread of its own (one per process at a time), or here."""
    if not settings.DOCUMENT_TEXT_BACKGROUND:
        extract_due()
        return
    _again.set()
    if _lock.acquire(blocking=False):
        threading.Thread(target=_work, name="document-text", daemon=True).start()


def _work():
    try:
        busy = 0
        while True:
            _again.clear()
            try:
                extract_due()
            except OperationalError as error:  # SQLite's lock, held by a request a moment
                busy += 1
                if busy <= 5:
                    time.sleep(0.2 * busy)
                    _again.set()
                else:
                    logger.warning("Reading queued documents failed (%s); cron will retry", error)
            except Exception:  # cron's run reads what this one could not
                logger.exception("Reading queued documents failed; cron will retry")
            if not _again.is_set():
                break
    finally:
        connection.close()
        _lock.release()
    if _again.is_set():  # queued between the last look and the release
        start_worker()
