"""The interface's catalogues (locale/fr, locale/pt): complete, well formed and current.

"Current" means what `manage.py makemessages` (the portal's own, as `make makemessages` runs
it) extracts from the code today: it is run on a copy of the repository, so a string added to
a template or to Python without its translation fails here, and so does a translation left
behind for a string that is gone.
"""

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from portal.management.commands.makemessages import IGNORED, target_languages

ROOT = Path(settings.BASE_DIR)
LANGUAGES = target_languages()


def catalogue(root, language):
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def problems(po):
    """What keeps a catalogue from being complete: untranslated, fuzzy and obsolete entries."""
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    found += [f"obsolete: {e.msgid!r}" for e in po.obsolete_entries()]
    return found


def test_the_catalogues_are_the_languages_the_site_declares():
    assert LANGUAGES == ["fr", "pt"]
    for language in LANGUAGES:
        po = polib.pofile(str(catalogue(ROOT, language)))
        assert po.metadata["Language"] == language
        assert "nplurals=2" in po.metadata["Plural-Forms"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(language):
    po = polib.pofile(str(catalogue(ROOT, language)))
    assert len(po) > 200, "the whole interface, not a sample"
    assert problems(po) == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    """msgfmt's own check: every %(name)s of a python-format msgid is in its msgstr."""
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt is missing: apt-get install gettext (CI does)")
    path = catalogue(ROOT, language)
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    po = polib.pofile(str(path))
    for entry in po.translated_entries():  # and the other way: nothing is invented either
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert placeholders(translation) == placeholders(entry.msgid), entry.msgid


def placeholders(text):
    return sorted(set(re.findall(r"%\(\w+\)s", text)))


@pytest.fixture
def extracted(tmp_path, settings, monkeypatch):
    """Run the portal's makemessages on a copy of the repository; returns the copy's root."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("xgettext is missing: apt-get install gettext (CI does)")
    copy = tmp_path / "repo"
    skipped = shutil.ignore_patterns(*IGNORED, ".*", "__pycache__", "*.pyc", "*.sqlite3*", "*.mo")
    shutil.copytree(ROOT, copy, ignore=skipped)

    def run():
        settings.LOCALE_PATHS = [copy / "locale"]  # never the repository's own catalogues
        monkeypatch.chdir(copy)
        call_command("makemessages", verbosity=0)
        return {language: polib.pofile(str(catalogue(copy, language))) for language in LANGUAGES}

    return copy, run


def test_the_catalogues_hold_exactly_what_the_code_says(extracted):
    _copy, run = extracted
    for language, fresh in run().items():
        kept = polib.pofile(str(catalogue(ROOT, language)))
        new = {key(e) for e in fresh if not e.obsolete} - {key(e) for e in kept}
        gone = {key(e) for e in kept} - {key(e) for e in fresh if not e.obsolete}
        assert not new, f"{language}: strings without a translation (make makemessages): {new}"
        assert not gone, f"{language}: translations of strings the code no longer has: {gone}"
        assert problems(fresh) == [], language


def test_a_string_added_without_its_translation_fails(extracted):
    """The check above is real: a new template string makes the regenerated catalogue
    incomplete (and a changed one comes back fuzzy or untranslated)."""
    copy, run = extracted
    template = copy / "portal" / "templates" / "portal" / "includes" / "listing.html"
    template.write_text(
        template.read_text() + '{% translate "A string nobody has translated yet" %}\n'
    )
    for language, fresh in run().items():
        assert "untranslated: 'A string nobody has translated yet'" in problems(fresh), language
