"""Who does what with updates, and their review workflow.

Editors write updates and submit them for moderation; Moderators approve (publish) and
send them; both go through the pages' "Moderators approval" workflow (Wagtail's own).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = ["add_newsletterissue", "change_newsletterissue", "view_newsletterissue"]
MODERATORS = [*EDITORS, "delete_newsletterissue", "publish_newsletterissue",
              "send_newsletterissue", "lock_newsletterissue", "unlock_newsletterissue"]  # fmt: skip


def setup(apps, schema_editor):
    app_config = apps.get_app_config("newsletter")
    app_config.models_module = True  # permissions normally appear only after all migrations
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="newsletter", model="newsletterissue")
    for action in ("publish", "lock", "unlock"):  # Wagtail adds these after migrating, as these names
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_newsletterissue",
            defaults={"name": f"Can {action} update"},
        )
    found = Permission.objects.filter(content_type__app_label="newsletter")
    for name, codenames in (("Editors", EDITORS), ("Moderators", MODERATORS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*found.filter(codename__in=codenames))
    admin = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
    Group.objects.get(name="Editors").permissions.add(*admin)
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    workflow = Workflow.objects.filter(name="Moderators approval", active=True).first()
    if workflow is not None:
        WorkflowContentType.objects.get_or_create(content_type=content_type, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0004_updates"), ("wagtailcore", "0098_apitoken")]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
