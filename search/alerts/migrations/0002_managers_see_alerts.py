"""Newsletter managers (who see the subscriber list) see the followed searches' counts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def setup(apps, schema_editor):
    app_config = apps.get_app_config("search_alerts")
    app_config.models_module = True  # permissions normally appear only after all migrations
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers, _ = Group.objects.get_or_create(name="Newsletter managers")
    managers.permissions.add(
        *Permission.objects.filter(content_type__app_label="search_alerts", codename="view_searchalert")
    )


class Migration(migrations.Migration):
    dependencies = [("search_alerts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
