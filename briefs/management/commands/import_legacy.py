"""`import_legacy PATH`: import the old site's export, sanitised, and report what each page lost."""

from django.core.management.base import BaseCommand, CommandError

from ...legacy import LegacyError, import_export


class Command(BaseCommand):
    help = (
        "Import pages from the old site's JSON export (see the README); "
        "running it again updates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="export.json, or the folder holding it and its files")

    def handle(self, *args, path, **options):
        try:
            outcomes, errors = import_export(path)
        except LegacyError as error:
            raise CommandError(str(error)) from error
        for outcome in outcomes:
            dropped = f"; dropped: {outcome.dropped}" if outcome.dropped else ""
            self.stdout.write(f"{outcome.action} {outcome.legacy_id} “{outcome.title}”{dropped}")
        for error in errors:
            self.stderr.write(f"skipped {error}")
        created = sum(o.action == "created" for o in outcomes)
        self.stdout.write(
            f"{created} created, {len(outcomes) - created} updated, {len(errors)} skipped."
        )
        if errors:
            raise CommandError(f"{len(errors)} record(s) could not be imported (see above).")
