"""The content locales settings.LANGUAGES declares: en (the default), fr and pt.

Wagtail creates the first locale from LANGUAGE_CODE; a database made while that was
"en-gb" has that code, which is renamed here so every page stays in the default locale.
"""

from django.conf import settings
from django.db import migrations


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    codes = [code for code, _name in settings.LANGUAGES]
    if not Locale.objects.filter(language_code=settings.LANGUAGE_CODE).exists():
        Locale.objects.filter(language_code="en-gb").update(language_code=settings.LANGUAGE_CODE)
    for code in codes:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_page_depth_path_index"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [migrations.RunPython(create_locales, migrations.RunPython.noop)]
