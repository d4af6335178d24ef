"""`manage.py load_demo_content`: the seed's iCCM research area as a site (idempotent)."""

from django.core.management.base import BaseCommand

from portal.demo.loader import DemoLoader


class Command(BaseCommand):
    help = "Create or update the demo site from portal/demo/traction_iccm.json. Safe to run again."

    def handle(self, *args, **options):
        DemoLoader(stdout=self.stdout).run()
