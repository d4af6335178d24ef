"""Editorial roles with the least rights each needs, and the review workflow.

Wagtail's own migrations create "Editors" (add and edit pages), "Moderators"
(also publish) and the "Moderators approval" workflow on the root page. This
takes from Editors what they do not need (deleting images and documents,
which published pages may use), gives Moderators the taxonomy, adds a
"Newsletter managers" group for the subscriber list (personal data, so no one
else sees it), and makes sure the workflow is there and active.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TAXONOMY = ["country", "topic", "organization"]


def permissions(apps, Permission, app_label, codenames):
    return list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def setup(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions normally appear only after all migrations
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    managers, _ = Group.objects.get_or_create(name="Newsletter managers")

    editors.permissions.remove(*permissions(apps, Permission, "wagtailimages", ["delete_image"]))
    editors.permissions.remove(*permissions(apps, Permission, "wagtaildocs", ["delete_document"]))
    taxonomy = [f"{action}_{model}" for model in TAXONOMY for action in ("add", "change", "delete", "view")]
    moderators.permissions.add(*permissions(apps, Permission, "research", taxonomy))
    admin = permissions(apps, Permission, "wagtailadmin", ["access_admin"])
    subscribers = ["view_subscriber", "change_subscriber", "view_outboxmessage", "change_outboxmessage"]
    managers.permissions.add(*admin, *permissions(apps, Permission, "newsletter", subscribers))

    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    ContentType = apps.get_model("contenttypes", "ContentType")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    workflow, _ = Workflow.objects.get_or_create(name="Moderators approval", defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task_type = ContentType.objects.get_for_model(GroupApprovalTask)
        task = GroupApprovalTask.objects.create(name="Moderators approval", content_type=task_type, active=True)
        task.groups.add(moderators)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0001_initial"),
        ("newsletter", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
