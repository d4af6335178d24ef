"""`manage.py load_demo_content`: the seed's iCCM research area as a site (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from portal.demo.loader import BaseURLError, DemoLoader


class Command(BaseCommand):
    help = (
        "Create or update the demo site from portal/demo/traction_iccm.json. Safe to run again. "
        "The site's host and port come from WAGTAILADMIN_BASE_URL (or --base-url)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            help="the address the site answers at, e.g. http://127.0.0.1:8000 "
            "(default: settings.WAGTAILADMIN_BASE_URL)",
        )

    def handle(self, *args, **options):
        try:
            DemoLoader(stdout=self.stdout, base_url=options["base_url"]).run()
        except BaseURLError as error:
            raise CommandError(f"{error} (set WAGTAILADMIN_BASE_URL or --base-url)") from None
