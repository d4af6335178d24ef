"""Existing key messages, recommendations and articles take their page's locale (all pages
were in the default locale until translation arrived), each with its own translation key."""

from django.db import migrations
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    dependencies = [("briefs", "0005_translatable_children"), ("portal", "0003_locales")]

    operations = [
        BootstrapTranslatableModel(f"briefs.{name}")
        for name in ("BriefKeyMessage", "BriefRecommendation", "SupplementArticle")
    ]
