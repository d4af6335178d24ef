"""The text of uploaded PDFs: read off the request path, recorded when it cannot be, and
searched on every backend with a snippet that says which page of the PDF it came from."""

import io
import threading
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from pypdf import PdfReader, PdfWriter
from wagtail.documents import get_document_model
from wagtail.rich_text import RichText

from portal.attachments import extraction
from portal.attachments.models import DocumentText
from portal.demo import pdf
from search.backends import get_search_backend
from search.models import SearchDocument
from search.query import SearchParams

from .factories import (
    JournalSupplementPageFactory,
    PolicyBriefIndexPageFactory,
    PolicyBriefPageFactory,
    PublicationIndexPageFactory,
    SupplementArticleFactory,
)
from .helpers import fresh_home, reindex

pytestmark = pytest.mark.django_db

PAGES = [
    ["Child mortality: a brief for policymakers.", "Community health workers treat children."],
    ["Routine vaccination reaches children that facilities do not."],
]
Document = get_document_model()
Status = DocumentText.Status


def upload(data, title="The brief (PDF)", name="brief.pdf"):
    return Document.objects.create(title=title, file=ContentFile(data, name=name))


def encrypted(user_password):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf.build(PAGES))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_of(document):
    return DocumentText.objects.get(document=document)


@pytest.fixture
def read(django_capture_on_commit_callbacks):
    """Upload `data` the way the admin does: the text is read once the upload commits."""

    def run(data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            document = upload(data, **kwargs)
        return text_of(document)

    return run


# --- what becomes of each kind of file ----------------------------------------------


def test_a_pdf_is_read_page_by_page(read):
    row = read(pdf.build(PAGES))
    assert row.status == Status.TEXT
    assert row.page_count == 2
    assert "vaccination" in row.pages[1] and "vaccination" not in row.pages[0]
    assert row.characters == sum(len(page) for page in row.pages)
    assert row.reason == ""


def test_a_scan_with_no_text_layer_is_marked_as_such_not_an_error(read):
    row = read(pdf.build([[], []], image_only=True))
    assert row.status == Status.NO_TEXT
    assert row.page_count == 2 and row.pages == []
    assert "no text layer" in row.reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (pdf.build(PAGES)[:300], "malformed"),  # cut short in the middle of an object
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, "malformed"),
        (b"PK\x03\x04 a zip file named .pdf", "not a PDF"),
        (b"", "not a PDF"),
    ],
)
def test_a_malformed_file_is_recorded_and_skipped_with_its_reason(read, data, reason):
    row = read(data)
    assert row.status == Status.SKIPPED
    assert row.reason.startswith(reason), row.reason
    assert row.pages == []


def _raw_pdf(*objects):
    """A PDF of these object bodies (1 is the catalog), with a correct xref table."""
    return pdf.assemble(list(objects))


def _bomb(megabytes):
    """A page whose content stream inflates from a few kB to `megabytes` MB of zeros."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * 2**20
    packed = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
    return _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        stream + b"\nendstream",
    )


HOSTILE = {
    # a page tree whose only kid is itself
    "loop": _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"
    ),
    # a page count far beyond its kids, and arrays nested 50,000 deep
    "lies": _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 999999999 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Length 100000 >>\nstream\n" + b"[" * 50_000 + b"]" * 50_000 + b"\nendstream",
    ),
    "bomb": _bomb(300),
    "xref into nowhere": pdf.build(PAGES).replace(b"startxref\n", b"startxref\n9999999"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_pdf_is_recorded_never_an_error_and_never_a_hang(read, settings, name):
    settings.DOCUMENT_TEXT_TIMEOUT = 20
    row = read(HOSTILE[name])
    assert row.status in (Status.TEXT, Status.NO_TEXT, Status.SKIPPED)
    assert row.status == Status.TEXT or row.reason, "a file without text says why"
    assert row.seconds < 25


def test_an_encrypted_pdf_is_skipped_unless_it_opens_without_a_password(read):
    locked = read(encrypted("secret"), name="locked.pdf")
    assert locked.status == Status.SKIPPED
    assert locked.reason.startswith("encrypted")
    restricted = read(encrypted(""), name="restricted.pdf")  # only printing or copying limited
    assert restricted.status == Status.TEXT
    assert "vaccination" in restricted.pages[1]


def test_the_limits_of_settings(read, settings):
    settings.DOCUMENT_TEXT_MAX_PAGES = 1
    assert read(pdf.build(PAGES)).reason == "too large: 2 pages (the limit is 1)"
    settings.DOCUMENT_TEXT_MAX_PAGES = 10
    settings.DOCUMENT_TEXT_MAX_BYTES = 100
    row = read(pdf.build(PAGES))
    assert row.status == Status.SKIPPED and row.reason.startswith("too large:")
    assert "MB (the limit is" in row.reason
    settings.DOCUMENT_TEXT_MAX_BYTES = 10**7
    settings.DOCUMENT_TEXT_MAX_CHARACTERS = 20
    row = read(pdf.build(PAGES))
    assert row.status == Status.TEXT and row.characters == 20
    assert row.reason == "only the first 20 characters are indexed"


def test_a_reader_that_runs_out_of_memory_ends_its_own_process_only(read, settings):
    settings.DOCUMENT_TEXT_MEMORY_MB = 40  # below what pypdf needs to start
    row = read(pdf.build(PAGES))
    assert row.status == Status.SKIPPED
    assert row.reason.startswith(("too large: reading it needed", "unreadable:")), row.reason


def test_only_a_new_file_is_read_again(read, django_capture_on_commit_callbacks):
    row = read(pdf.build(PAGES))
    document = row.document
    with django_capture_on_commit_callbacks(execute=True):
        document.title = "Renamed"
        document.save()
    assert text_of(document).extracted_at == row.extracted_at
    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(pdf.build([["A second edition."]]), name="second.pdf")
        document.save()
    again = text_of(document)
    assert again.extracted_at > row.extracted_at
    assert again.pages == ["A second edition."]


def test_a_file_the_storage_cannot_give_is_retried_later(read, monkeypatch):
    def unreachable(document):
        raise OSError("bucket unreachable")

    monkeypatch.setattr(extraction, "read_document", unreachable)
    row = read(pdf.build(PAGES))
    assert row.status == Status.PENDING
    assert row.attempts == 1 and "bucket unreachable" in row.last_error
    assert row.next_attempt_at is not None
    assert extraction.extract_due() == []  # not due yet
    monkeypatch.undo()
    DocumentText.objects.update(next_attempt_at=None)
    call_command("document_text", "extract", stdout=(out := _Out()))
    assert text_of(row.document).status == Status.TEXT
    assert "Documents read: 1 (2 pages with text" in out.text


def test_the_upload_does_not_wait_a_worker_thread_reads_it(
    settings, admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    """The upload's response is sent while the worker thread is still reading (here held
    until the response is in), and the reading happens in that thread, not the request's."""
    settings.DOCUMENT_TEXT_BACKGROUND = True
    names, release, done = [], threading.Event(), threading.Event()

    def held_reading(*args, **kwargs):
        names.append(threading.current_thread().name)
        release.wait(10)
        done.set()
        return []

    monkeypatch.setattr(extraction, "extract_due", held_reading)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/documents/multiple/add/",
            {"files[]": ContentFile(pdf.build(PAGES), name="upload.pdf")},
        )
    assert response.status_code == 200, response.content[:500]
    assert text_of(Document.objects.get()).status == Status.PENDING  # answered, not yet read
    release.set()
    assert done.wait(10)
    assert names == ["document-text"]


def test_the_admin_lists_each_document_with_its_reason(read, admin_client):
    read(b"not a pdf at all", title="Minutes", name="minutes.pdf")
    read(pdf.build([[]], image_only=True), title="Scanned report", name="scan.pdf")
    listing = admin_client.get("/admin/document_text/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Minutes" in html and "not a PDF" in html
    assert "Scanned report" in html and "No text layer" in html
    row = DocumentText.objects.get(document__title="Minutes")
    assert admin_client.get(f"/admin/document_text/inspect/{row.pk}/").status_code == 200


def test_the_migration_queues_documents_uploaded_before_it(read):
    call_command("document_text", "status", stdout=(out := _Out()))
    assert "Never queued: 0" in out.text


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# --- searched on every backend -------------------------------------------------------


@pytest.fixture
def briefs(backend):
    home = fresh_home()
    index = PolicyBriefIndexPageFactory(parent=home)
    publications = PublicationIndexPageFactory(parent=home)
    reindex()
    return index, publications


def search(q):
    return get_search_backend().search(SearchParams(q=q, page_size=20))


def test_a_word_only_in_the_pdf_finds_the_brief_with_its_page(
    briefs, django_capture_on_commit_callbacks
):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES), title="Child mortality brief")
        brief = PolicyBriefPageFactory(parent=index, title="Child Mortality", document=document)
        brief.save_revision().publish()
    # published first, read after the commit: the reading re-indexed the brief
    results = search("vaccination")
    assert [hit.title for hit in results.hits] == ["Child Mortality"]
    hit = results.hits[0]
    assert "<mark>vaccination</mark>" in str(hit.snippet).lower()
    assert hit.snippet_source.page == 2
    assert hit.snippet_source.title == "Child mortality brief"
    assert hit.as_json()["snippet_source"] == {
        "type": "pdf", "document": "Child mortality brief", "url": document.url, "page": 2,
    }  # fmt: skip
    # a word in the page's own summary as well as in the PDF: the summary's snippet
    own = search("policymakers").hits[0]
    assert own.snippet_source is None and "<mark>policymakers</mark>" in str(own.snippet)


def test_a_pdf_linked_from_a_pages_body_is_searched_with_that_page(
    briefs, django_capture_on_commit_callbacks
):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES), title="Report")
        link = f'<p>Read <a linktype="document" id="{document.pk}">the report</a>.</p>'
        page = PolicyBriefPageFactory(parent=index, title="Brief with a link")
        page.body = [("paragraph", RichText(link))]
        page.save_revision().publish()
    hits = search("vaccination").hits
    assert [hit.title for hit in hits] == ["Brief with a link"]
    assert (hits[0].snippet_source.title, hits[0].snippet_source.page) == ("Report", 2)


def test_the_pdf_ranks_below_the_pages_own_text(briefs, django_capture_on_commit_callbacks):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES))
        with_pdf = PolicyBriefPageFactory(parent=index, title="Brief A", document=document)
        own = PolicyBriefPageFactory(
            parent=index, title="Brief B", summary="<p>Routine vaccination in Mali.</p>"
        )
        for page in (with_pdf, own):
            page.save_revision().publish()
    assert [hit.title for hit in search("vaccination").hits] == ["Brief B", "Brief A"]


def test_an_articles_pdf_belongs_to_the_article_not_its_supplement(
    briefs, django_capture_on_commit_callbacks
):
    _, publications = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES), title="Article PDF")
        supplement = JournalSupplementPageFactory(parent=publications)
        SupplementArticleFactory(page=supplement, title="Linking policy", document=document)
        supplement.save()
        supplement.save_revision().publish()
    hits = search("vaccination").hits
    assert [hit.title for hit in hits] == ["Linking policy"]
    assert hits[0].snippet_source.page == 2


def test_a_scan_and_a_broken_pdf_leave_the_brief_searchable_by_its_own_text(
    briefs, django_capture_on_commit_callbacks
):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        scan = upload(pdf.build([[]], image_only=True), name="scan.pdf")
        broken = upload(b"%PDF-1.4 broken", name="broken.pdf")
        for title, document in (("Scanned brief", scan), ("Broken brief", broken)):
            page = PolicyBriefPageFactory(parent=index, title=title, document=document)
            page.save_revision().publish()
    assert {hit.title for hit in search("brief").hits} >= {"Scanned brief", "Broken brief"}
    assert SearchDocument.objects.filter(attachments="").count() == SearchDocument.objects.count()


def test_a_deleted_pdf_leaves_the_index(briefs, django_capture_on_commit_callbacks):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES))
        PolicyBriefPageFactory(parent=index, document=document).save_revision().publish()
    assert search("vaccination").total == 1
    with django_capture_on_commit_callbacks(execute=True):
        document.delete()
    assert search("vaccination").total == 0


def test_a_rebuild_keeps_the_pdfs_text(briefs, django_capture_on_commit_callbacks, backend):
    index, _ = briefs
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(pdf.build(PAGES))
        PolicyBriefPageFactory(parent=index, document=document).save_revision().publish()
    reindex()
    assert search("vaccination").hits[0].snippet_source.page == 2
