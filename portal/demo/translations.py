"""The demo in French and Portuguese, made the way a translator's PO files come in.

Every demo object wagtail-localize translates (the organizations the partners point at, the
topics, every page with its text children) has one PO file per language:
`translations/<language>/<kind>/<key>.po`, e.g. `translations/fr/pages/costing-of-iccm.po`.
Its entries are what wagtail-localize extracts (`TranslationSource.export_po()`): msgctxt is
the segment's path ("aim", "objectives.<translation_key>.text"), msgid the English text.

Loading a language is the admin's "Translate" done from data: a TranslationSource and a
Translation for each object, `Translation.import_po()`, then the translated object is saved
and published. Before anything is saved every file is checked against what the English demo
extracts now: a string without a translation stops the load with the file, the page and the
string named, so a changed English demo never publishes a half-English page.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import polib
from django.apps import apps
from django.utils.text import slugify
from wagtail.models import Locale, Page
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationLog,
    TranslationSource,
)

LANGUAGES = {"fr": "French", "pt": "Portuguese"}
PO_DIR = Path(__file__).with_name("translations")
HEADER = (
    "{language} translation of the demo content: the text of the TRAction Project's\n"
    "Integrated Community Case Management (iCCM) page (shared/seed/traction-iccm-page.txt),\n"
    "translated for the demo. It is a translation of the seed's own text, not the TRAction\n"
    "Project's: it adds no facts, and organizations keep their own names.\n"
    "Loaded by `manage.py load_demo_content`; `manage.py demo_translations export` adds\n"
    "strings the English demo gained (portal/demo/translations.py)."
)
# What import_po() would take as another database's translation: the files are keyed by name.
TRANSLATION_ID = "X-WagtailLocalize-TranslationID"


class MissingTranslationsError(Exception):
    """PO files that lack translations of what the English demo holds now."""


@dataclass(frozen=True)
class Item:
    """One translated object: its PO file (below the language folder) and what it is."""

    path: str
    instance: object
    label: str


def demo_items(loader):
    """Every object the demo translates, in the order it must be translated: organizations
    (partners point at them), topics, then pages, each page after its parent."""
    items = []
    for kind, key in (("organizations", "name"), ("topics", "slug")):
        model = apps.get_model(loader.data["models"][kind])
        for row in loader.data[kind]:
            obj = model.objects.get(locale__language_code=_source_language(), **{key: row[key]})
            items.append(Item(f"{kind}/{slugify(row[key])}.po", obj, f"{kind[:-1]} “{obj.name}”"))
    seen = {}
    for spec, page in loader.pages():
        key = spec.get("slug", "home")
        if key in seen:
            raise MissingTranslationsError(
                f"two demo pages have the slug {key!r} ({seen[key]} and {page.url_path}); PO files "
                "are named by slug, so give one another slug"
            )
        seen[key] = page.url_path
        place = page.url_path[len(loader.home_path) - 1 :]
        items.append(Item(f"pages/{key}.po", page, f"page “{page.title}” ({place})"))
    return items


def _source_language():
    return Locale.get_default().language_code


def update_source(instance):
    """(TranslationSource of `instance` as it is now, whether it differs from the last one)."""
    previous = TranslationSource.objects.filter(
        object_id=instance.translation_key, locale_id=instance.locale_id
    ).first()
    before = previous and json.loads(previous.content_json)
    source, _ = TranslationSource.update_or_create_from_instance(instance)
    return source, before != json.loads(source.content_json)


def segments(source):
    """[(msgctxt, msgid)] of the source's strings, in page order, as export_po() writes them."""
    rows = StringSegment.objects.filter(source=source).order_by("order")
    return list(rows.values_list("context__path", "string__data"))


def read_po(language, path, folder=None):
    """The PO file, or None when there is none."""
    file = Path(folder or PO_DIR) / language / path
    if not file.exists():
        return None
    po = polib.pofile(str(file))
    po.metadata.pop(TRANSLATION_ID, None)
    return po


def usable(po):
    """The entries of `po` that translate: not obsolete (#~), not marked fuzzy."""
    entries = polib.POFile()
    entries.metadata = po.metadata
    entries.extend(e for e in po if not e.obsolete and "fuzzy" not in e.flags)
    return entries


def coverage(source, po):
    """(missing, stale): the source's strings the PO gives no translation of (absent, empty or
    fuzzy), and translated entries for strings the source no longer has."""
    wanted = segments(source)
    given = {(e.msgctxt, e.msgid): e.msgstr for e in usable(po)} if po is not None else {}
    missing = [key for key in wanted if not given.get(key)]
    stale = [key for key, text in given.items() if text and key not in set(wanted)]
    return missing, stale


def skeleton(source, language, old=None):
    """The PO file wagtail-localize exports for `source`, with the demo's header, the
    translations `old` already has and its no longer used entries kept as obsolete (#~)."""
    po = source.export_po()
    po.wrapwidth = 79
    po.header = HEADER.format(language=LANGUAGES[language])
    po.metadata = {
        "Project-Id-Version": "TRAction Project demo",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Transfer-Encoding": "8bit",
    }
    known = {(e.msgctxt, e.msgid): e for e in (old or []) if not e.obsolete}
    for entry in po:
        if previous := known.pop((entry.msgctxt, entry.msgid), None):
            for kept in ("msgstr", "flags", "tcomment"):  # the translation, fuzzy, comments
                setattr(entry, kept, getattr(previous, kept))
    for entry in known.values():
        if entry.msgstr:
            entry.obsolete = True
            po.append(entry)
    return po


def describe(language, item, missing, stale):
    lines = [f"  {language}/{item.path}, {item.label}:"]
    lines += [f"    no translation of {ctx}: {text!r}" for ctx, text in missing]
    lines += [f"    no longer in the English demo: {ctx}: {text!r}" for ctx, text in stale]
    return "\n".join(lines)


class DemoTranslations:
    """Load the PO files of every language into the demo loaded by `loader` (a DemoLoader
    that has run), idempotently: an object is saved again only when its English source, its
    translations or its translated copy's state changed."""

    def __init__(self, loader, stdout=None, languages=tuple(LANGUAGES), folder=None):
        self.loader, self.languages, self.folder = loader, languages, folder or PO_DIR
        self.log = stdout.write if stdout else (lambda message: None)
        self.saved = self.strings = 0

    def run(self):
        items = demo_items(self.loader)
        sources = {item.path: update_source(item.instance) for item in items}
        work, problems, notes = [], [], []
        for language in self.languages:
            for item in items:
                source, _ = sources[item.path]
                po = read_po(language, item.path, self.folder)
                missing, stale = coverage(source, po)
                if po is None:
                    problems.append(f"  {language}/{item.path}, {item.label}: no PO file")
                elif missing:
                    problems.append(describe(language, item, missing, stale))
                elif stale:
                    notes.append(describe(language, item, [], stale))
                work.append((language, item, po))
        if problems:
            raise MissingTranslationsError(
                "The demo's translations do not cover the English demo, so nothing was loaded:\n"
                + "\n".join(problems)
                + "\nRun `manage.py demo_translations export` (it adds the new strings to the "
                "PO files and keeps their translations), translate them and load again, or "
                "load the English demo alone with `manage.py load_demo_content --no-translations`."
            )
        if notes:
            self.log(
                "Translated strings the English demo no longer has (ignored):\n" + "\n".join(notes)
            )
        locales = {
            language: Locale.objects.get(language_code=language) for language in self.languages
        }
        for language, item, po in work:
            source, source_changed = sources[item.path]
            self._translate(item, source, source_changed, locales[language], po)
        self.log(
            f"Translations ({', '.join(self.languages)}): {len(work)} objects, {self.strings} "
            f"strings; {self.saved} saved."
        )

    def _translate(self, item, source, source_changed, locale, po):
        translation, created = Translation.objects.get_or_create(
            source=source, target_locale=locale
        )
        memory = StringTranslation.objects.filter(context__object=source.object, locale=locale)
        before = set(memory.values_list("context_id", "translation_of_id", "data"))
        translation.import_po(usable(po), tool_name="portal/demo/translations")
        self.strings += len(segments(source))
        changed = created or source_changed or not translation.enabled
        changed |= set(memory.values_list("context_id", "translation_of_id", "data")) != before
        target = source.object.get_instance_or_none(locale)
        if target is None:
            changed = True
        elif isinstance(target, Page):
            # A translated page edited or published by other means than its translation is
            # restored, as the loader restores English pages edited by hand.
            logged = TranslationLog.objects.filter(source=source, locale=locale).order_by("-pk")
            changed |= not target.live or target.has_unpublished_changes
            changed |= target.live_revision_id != logged.values_list("revision", flat=True).first()
        if not changed:
            return
        if not translation.enabled:
            translation.enabled = True
            translation.save(update_fields=["enabled"])
        self.saved += 1
        if isinstance(item.instance, Page):
            # save_target() publishes on commit; the demo publishes now, inside its transaction.
            page, _ = source.create_or_update_translation(locale, publish=False)
            page.get_latest_revision().publish()
        else:
            source.create_or_update_translation(locale)
