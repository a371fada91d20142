"""Abstract models and constraint builders shared by every app's records."""

from django.db import models
from django.db.models import Q

from core.money import CURRENCY_CODES


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, help_text="When this row was first saved.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When this row was last saved.")

    class Meta:
        abstract = True


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def unpublished(self):
        return self.filter(is_published=False)


class PublishableModel(TimeStampedModel):
    """A record the public sees only once an editor has published it."""

    is_published = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Only published records appear on the public site, feeds and API.",
    )

    class Meta:
        abstract = True


def choices_constraint(field: str, choices: type[models.Choices], prefix: str):
    """Refuse values outside a field's choices in the database, not only in forms."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}),
        name=f"{prefix}_{field}_valid",
        violation_error_message=f"{field} must be one of: {', '.join(choices.values)}.",
    )


def money_constraints(prefix: str, amount_field: str = "amount", currency_field: str = "currency"):
    """An amount is never negative and its currency is an ISO 4217 code."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{amount_field}__gte": 0}),
            name=f"{prefix}_{amount_field}_not_negative",
            violation_error_message="The amount cannot be negative.",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{currency_field}__in": CURRENCY_CODES}),
            name=f"{prefix}_{currency_field}_iso4217",
            violation_error_message="The currency must be an ISO 4217 code such as USD or EUR.",
        ),
    ]
