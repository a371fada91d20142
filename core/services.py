"""Write helpers shared by every app's services."""

import enum
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from simple_history.utils import bulk_update_with_history


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def validate_and_save(instance: models.Model, **save_kwargs) -> models.Model:
    """Run model validation (fields, clean(), constraints) before writing, inside a transaction."""
    with transaction.atomic():
        instance.full_clean()
        instance.save(**save_kwargs)
    return instance


def upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[models.Model, Outcome]:
    """Create or update by a natural key, writing (and so recording history) only on change.

    Idempotent loaders and importers use this so that a second run changes nothing.
    """
    with transaction.atomic():
        instance = model._default_manager.select_for_update().filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            validate_and_save(instance)
            return instance, Outcome.CREATED
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if not changed:
            return instance, Outcome.UNCHANGED
        for name in changed:
            setattr(instance, name, values[name])
        validate_and_save(instance)
        return instance, Outcome.UPDATED


def records_set_published(queryset: QuerySet, published: bool) -> int:
    """Publish or unpublish many records at once, keeping an edit-history row for each."""
    with transaction.atomic():
        changed = list(queryset.exclude(is_published=published).select_for_update())
        for record in changed:
            record.is_published = published
        if changed:
            bulk_update_with_history(changed, type(changed[0]), ["is_published", "updated_at"])
    return len(changed)
