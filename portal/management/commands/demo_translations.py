"""`manage.py demo_translations export|check`: the demo's PO files against the English demo.

`export` loads the English demo (as `load_demo_content --no-translations` does) and writes
each object's PO file as wagtail-localize exports it, keeping the translations the file
already has (strings the English demo no longer has stay as obsolete #~ entries), so the
new strings are the ones left empty. `check` writes nothing and fails when a string has no
translation or a translation's English is gone.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.demo.loader import DemoLoader
from portal.demo.translations import (
    LANGUAGES,
    PO_DIR,
    coverage,
    demo_items,
    describe,
    read_po,
    skeleton,
    update_source,
)


class Command(BaseCommand):
    help = "Write (export) or check (check) the demo's PO files in portal/demo/translations/."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "check"])
        parser.add_argument(
            "--language", action="append", choices=list(LANGUAGES), help="default: all"
        )
        parser.add_argument("--dir", default=str(PO_DIR), help=f"default: {PO_DIR}")

    def handle(self, *args, action, language, dir, **options):
        loader = DemoLoader(translations=False)
        loader.run()
        folder = Path(dir)
        problems = untranslated = 0
        for lang in language or list(LANGUAGES):
            for item in demo_items(loader):
                source, _ = update_source(item.instance)
                old = read_po(lang, item.path, folder)
                missing, stale = coverage(source, old)
                if action == "check":
                    if old is None or missing or stale:
                        problems += 1
                        self.stdout.write(describe(lang, item, missing, stale))
                    continue
                file = folder / lang / item.path
                file.parent.mkdir(parents=True, exist_ok=True)
                skeleton(source, lang, old).save(str(file))
                untranslated += len(missing)
                if missing:
                    self.stdout.write(f"{file}: {len(missing)} strings to translate")
        if action == "check" and problems:
            raise CommandError(f"{problems} PO files do not match the English demo")
        if action == "export":
            self.stdout.write(
                f"Wrote the PO files in {folder}: {untranslated} strings to translate."
            )
        else:
            self.stdout.write("Every PO file translates every string of the English demo.")
