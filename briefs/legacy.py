"""Import pages exported from the programme's old site (`manage.py import_legacy PATH`).

The export is JSON (format in the README): one record per page, with its body
as HTML inline or in a file beside the JSON, and optional image and PDF files.
Every piece of HTML goes through portal.sanitise, and the import reports what
each page lost. Records are matched by their legacy id, so a second import
updates the same pages instead of adding new ones.
"""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from portal.models import HomePage, StandardPage
from portal.sanitise import Report, sanitise
from research.models import (
    Country,
    FindingsPage,
    PublicationIndexPage,
    StudyPage,
    Topic,
    in_default_locale,
)

from .models import LegacyImport, NewsIndexPage, NewsPage, PolicyBriefIndexPage, PolicyBriefPage

TYPES = {
    "news": (NewsPage, NewsIndexPage),
    "findings": (FindingsPage, PublicationIndexPage),
    "brief": (PolicyBriefPage, PolicyBriefIndexPage),
    "page": (StandardPage, HomePage),
}
HEADING_RE = re.compile(r"(<h[23]>.*?</h[23]>)", re.DOTALL)


class LegacyError(Exception):
    """A record or file the import cannot use; the message names it."""


@dataclass
class Outcome:
    legacy_id: str
    title: str
    action: str  # "created" or "updated"
    dropped: Report = field(default_factory=Report)


def load_export(path):
    """The records of an export: PATH is the JSON file, or a folder holding export.json."""
    path = Path(path)
    source = path / "export.json" if path.is_dir() else path
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise LegacyError(f"No export at {source}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise LegacyError(f"{source} is not a JSON export: {error}") from error
    records = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise LegacyError(f'{source}: expected {{"pages": [...]}}')
    return source.parent, records


def import_export(path, stdout=None):
    """Import every record; returns the outcomes. One bad record stops nothing else."""
    folder, records = load_export(path)
    outcomes, errors = [], []
    for number, record in enumerate(records, 1):
        try:
            with transaction.atomic():
                outcomes.append(import_record(folder, record))
        except ValidationError as error:
            fields = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            errors.append(f"record {number} ({record.get('id', '?')}): {fields}")
        except LegacyError as error:
            record_id = record.get("id", "?") if isinstance(record, dict) else "?"
            errors.append(f"record {number} ({record_id}): {error}")
    return outcomes, errors


def import_record(folder, record):
    if not isinstance(record, dict):
        raise LegacyError("a record must be a JSON object")
    legacy_id, title = str(record.get("id") or "").strip(), str(record.get("title") or "").strip()
    if not legacy_id or not title:
        raise LegacyError("every record needs an id and a title")
    kind = record.get("type", "page")
    if kind not in TYPES:
        raise LegacyError(f"unknown type {kind!r}: use one of {', '.join(TYPES)}")
    model, parent_model = TYPES[kind]
    body_html = record.get("body_html") or ""
    if record.get("body_file"):
        body_html = _read_text(folder, record["body_file"])
    body, report = sanitise(body_html)
    summary_html, summary_report = sanitise(record.get("summary") or "")
    for name in ("tags", "attributes", "links"):
        getattr(report, name).update(getattr(summary_report, name))

    existing = LegacyImport.objects.filter(legacy_id=legacy_id).select_related("page").first()
    page = existing.page.specific if existing else model(title=title)
    if not isinstance(page, model):
        raise LegacyError(f"it was imported before as a {type(page).__name__}, now as {kind}")
    page.title = title
    page.slug = (
        page.slug or slugify(record.get("slug") or title)[:200] or f"legacy-{slugify(legacy_id)}"
    )
    _fill(page, kind, record, body, summary_html, folder, legacy_id)
    _tag(
        page, record
    )  # ParentalManyToMany: held on the page until it is saved, so one revision carries all
    if existing:
        revision = page.save_revision()
    else:
        parent = parent_model.objects.live().first()
        if parent is None:
            raise LegacyError(f"there is no {parent_model.__name__} to hold {kind} pages")
        parent.add_child(instance=page)
        revision = page.save_revision()
        LegacyImport.objects.create(legacy_id=legacy_id, page=page)
    revision.publish()
    return Outcome(legacy_id, title, "updated" if existing else "created", report)


def _fill(page, kind, record, body, summary_html, folder, legacy_id):
    plain_summary = Truncator(strip_tags(summary_html)).chars(590)
    page.body = _blocks(body)
    if kind == "page":
        page.intro = plain_summary
        return
    page.date = _date(record.get("date"))
    if kind == "brief":
        page.summary = summary_html or "<p></p>"
        if record.get("document"):
            page.document = _document(folder, record["document"], legacy_id)
    else:
        page.summary = plain_summary or Truncator(strip_tags(body)).chars(590) or page.title
    if kind == "news":
        page.date = page.date or datetime.date.today()
        if record.get("image"):
            page.hero_image = _image(folder, record["image"], legacy_id)
    if kind == "findings":
        page.category = record.get("category") or "findings"


def _blocks(body):
    """h2/h3 become heading blocks; everything between them, paragraph blocks."""
    blocks = []
    for part in HEADING_RE.split(body):
        if not part.strip():
            continue
        if HEADING_RE.fullmatch(part):
            blocks.append(("heading", {"text": strip_tags(part)[:200], "level": part[1:3]}))
        else:
            blocks.append(("paragraph", part))
    return blocks


def _tag(page, record):
    if hasattr(page, "countries") and record.get("countries"):
        codes = [str(code).upper() for code in record["countries"]]
        page.countries.set(Country.objects.filter(code__in=codes))
    if hasattr(page, "topics") and record.get("topics"):
        names = record["topics"]
        page.topics.set(
            Topic.objects.filter(in_default_locale(), Q(name__in=names) | Q(slug__in=names))
        )
    if hasattr(page, "studies") and record.get("studies"):
        page.studies.set(StudyPage.objects.filter(slug__in=record["studies"]))


def _date(value):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise LegacyError(f"date {value!r} is not YYYY-MM-DD") from error


def _file(folder, name):
    """A file named by the export, which must stay inside the export's folder."""
    path = (folder / str(name)).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        raise LegacyError(f"file {name!r} is missing or outside the export folder")
    return path


def _read_text(folder, name):
    try:
        return _file(folder, name).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise LegacyError(f"{name} is not UTF-8 text") from error


def _fingerprint(path, legacy_id):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"legacy {legacy_id} {digest}"


def _image(folder, spec, legacy_id):
    spec = spec if isinstance(spec, dict) else {"file": spec}
    if not spec.get("alt"):
        raise LegacyError(f'image {spec.get("file")!r} needs alt text ("alt")')
    path = _file(folder, spec["file"])
    Image, key = get_image_model(), _fingerprint(path, legacy_id)
    image = Image.objects.filter(title=key).first()
    if image is None:
        with path.open("rb") as handle:
            image = Image(
                title=key,
                file=File(handle, name=f"legacy-{slugify(path.stem)}{path.suffix.lower()}"),
            )
            image.alt_text, image.caption, image.credit = (
                spec["alt"],
                spec.get("caption", ""),
                spec.get("credit", ""),
            )
            image.save()
    return image


def _document(folder, spec, legacy_id):
    spec = spec if isinstance(spec, dict) else {"file": spec}
    path = _file(folder, spec["file"])
    if path.suffix.lower() != ".pdf":
        raise LegacyError(f"document {spec['file']!r} is not a PDF")
    Document, key = get_document_model(), _fingerprint(path, legacy_id)
    document = Document.objects.filter(title=key).first()
    if document is None:
        with path.open("rb") as handle:
            document = Document(
                title=key, file=File(handle, name=f"legacy-{slugify(path.stem)}.pdf")
            )
            document.save()
    return document
