"""Existing list items and partners take their page's locale (all pages were in the default
locale until translation arrived), each with its own translation key."""

from django.db import migrations
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    dependencies = [("research", "0006_translatable_children"), ("portal", "0003_locales")]

    operations = [
        BootstrapTranslatableModel(f"research.{name}")
        for name in ("Partner", "ResearchAreaLink", "ResearchAreaSummary", "StudyObjective")
    ]
