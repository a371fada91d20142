"""Dates known only to the year or the month, stored as a date plus a precision."""

import datetime

from django.db import models
from django.db.models import Q


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


def truncate_to_precision(value: datetime.date | None, precision: str) -> datetime.date | None:
    """Store 2019 as 2019-01-01 and February 2019 as 2019-02-01, never a made-up day."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def format_precise_date(value: datetime.date | None, precision: str) -> str:
    """Show a date at the precision it is known: "2019", "February 2019", "25 February 2021"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def precise_date_constraints(date_field: str, precision_field: str, prefix: str) -> list:
    """Constraints that keep a date consistent with its precision (no invented day or month)."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{precision_field}__in": DatePrecision.values}),
            name=f"{prefix}_{precision_field}_valid",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{date_field}__isnull": True})
            | Q(**{precision_field: DatePrecision.DAY})
            | Q(**{precision_field: DatePrecision.MONTH, f"{date_field}__day": 1})
            | Q(
                **{
                    precision_field: DatePrecision.YEAR,
                    f"{date_field}__day": 1,
                    f"{date_field}__month": 1,
                }
            ),
            name=f"{prefix}_{date_field}_matches_precision",
            violation_error_message=(
                "A date known only to the month must be the 1st; one known only to the year "
                "must be 1 January."
            ),
        ),
    ]
