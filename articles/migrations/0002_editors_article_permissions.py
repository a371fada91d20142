"""Let Editors run the review queue: read articles, decide findings, keep feeds.

Editors change findings (accept, edit, reject) and feeds (add, edit, poll now), and view
articles and poll history. Articles and polls are written only by the pipeline; deleting a
feed or finding is left to administrators so that the audit trail stays whole.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS_GROUP = "Editors"

EDITOR_PERMISSIONS = {
    "feed": ("add", "change", "view"),
    "feedpoll": ("view",),
    "article": ("change", "view"),
    "finding": ("change", "view"),
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    for model, actions in EDITOR_PERMISSIONS.items():
        codenames = [f"{action}_{model}" for action in actions]
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        assert permissions.count() == len(codenames), model
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="articles"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("cases", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
