"""A subscriber's language (of their emails and at the provider) and the language of the consent
they agreed to.

Every record made before this agreed to the English text (the only one there was) and was
written to in English, so existing rows get "en" for both; pending rows, which have agreed
to nothing yet, keep an empty consent language, as their consent version is empty.
"""

from django.db import migrations, models

import portal.newsletter.models


def english_consents(apps, schema_editor):
    Subscriber = apps.get_model("newsletter", "Subscriber")
    Subscriber.objects.exclude(consent_version="").update(consent_language="en")


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="language",
            field=models.CharField(
                choices=portal.newsletter.models.language_choices,
                default="en",  # every existing subscriber was written to in English
                help_text="The language of every email they get, and of their record at the provider.",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="subscriber",
            name="language",
            field=models.CharField(
                choices=portal.newsletter.models.language_choices,
                default=portal.newsletter.models.default_language,
                help_text="The language of every email they get, and of their record at the provider.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="subscriber",
            name="consent_language",
            field=models.CharField(
                blank=True,
                help_text="The language of the consent text they agreed to.",
                max_length=10,
            ),
        ),
        migrations.RunPython(english_consents, migrations.RunPython.noop),
    ]
