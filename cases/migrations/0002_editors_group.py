"""Create the Editors group with exactly the permissions needed to keep the records.

Editors add, change and view every record, and may remove the links that hang off a
record (aliases, defendants, relations). They cannot delete companies, lawsuits,
settlements, violations, authorities, laws or sources: an editor unpublishes instead,
so nothing an editor saved is ever lost. They have no rights over users or groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS_GROUP = "Editors"

EDITOR_PERMISSIONS = {
    "companies": {
        "company": ("add", "change", "view"),
        "companyalias": ("add", "change", "delete", "view"),
    },
    "cases": {
        "authority": ("add", "change", "view"),
        "law": ("add", "change", "view"),
        "source": ("add", "change", "view"),
        "lawsuit": ("add", "change", "view"),
        "lawsuitdefendant": ("add", "change", "delete", "view"),
        "lawsuitrelation": ("add", "change", "delete", "view"),
        "settlement": ("add", "change", "view"),
        "violation": ("add", "change", "view"),
        "exchangerate": ("add", "change", "view"),
    },
}


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    for app_label, models in EDITOR_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            permissions = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            assert permissions.count() == len(codenames), (app_label, model)
            group.permissions.add(*permissions)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("companies", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
