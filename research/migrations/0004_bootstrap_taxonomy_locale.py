"""Existing topics and organizations join the default locale, each with its own key."""

from django.db import migrations
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0003_translatable_taxonomy"),
        ("portal", "0003_locales"),
    ]

    operations = [
        BootstrapTranslatableModel("research.Topic"),
        BootstrapTranslatableModel("research.Organization"),
    ]
