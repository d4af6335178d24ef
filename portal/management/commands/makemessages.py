"""`makemessages` with the portal's defaults, so maintainers, `make makemessages` and the
catalogue test extract the same strings: every language but the source (English), the
portal's own code only (not .venv, tests or benchmarks), file-only locations (line numbers
churn on every edit) and no obsolete entries."""

from django.conf import settings
from django.core.management.commands import makemessages

IGNORED = [".venv", "node_modules", "tests", "bench", "scripts", "static", "media", "backups"]


def target_languages():
    """The catalogues the portal keeps: LANGUAGES without LANGUAGE_CODE (the msgids' language)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if not (options["locale"] or options["exclude"] or options["all"]):
            options["locale"] = target_languages()
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        options["no_obsolete"] = True
        options["add_location"] = options["add_location"] or "file"
        super().handle(*args, **options)
