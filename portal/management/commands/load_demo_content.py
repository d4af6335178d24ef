"""`manage.py load_demo_content`: the seed's iCCM research area as a site (idempotent), in
English and, from the PO files in portal/demo/translations/, French and Portuguese."""

from django.core.management.base import BaseCommand, CommandError

from portal.demo.loader import BaseURLError, DemoLoader
from portal.demo.translations import MissingTranslationsError


class Command(BaseCommand):
    help = (
        "Create or update the demo site from portal/demo/traction_iccm.json and its French and "
        "Portuguese translations (portal/demo/translations/). Safe to run again. "
        "The site's host and port come from WAGTAILADMIN_BASE_URL (or --base-url)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            help="the address the site answers at, e.g. http://127.0.0.1:8000 "
            "(default: settings.WAGTAILADMIN_BASE_URL)",
        )
        parser.add_argument(
            "--no-translations",
            action="store_true",
            help="load the English demo only (existing translations are left as they are)",
        )

    def handle(self, *args, **options):
        try:
            DemoLoader(
                stdout=self.stdout,
                base_url=options["base_url"],
                translations=not options["no_translations"],
            ).run()
        except BaseURLError as error:
            raise CommandError(f"{error} (set WAGTAILADMIN_BASE_URL or --base-url)") from None
        except MissingTranslationsError as error:
            raise CommandError(str(error)) from None
