"""Countries (ISO 3166-1 alpha-2), plus the reserved code EU for European Union bodies."""

import pycountry
from django.db import models
from django.db.models import Q

COUNTRY_CHOICES: list[tuple[str, str]] = sorted(
    [(c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries]
    + [("EU", "European Union")],
    key=lambda choice: choice[1],
)
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(code for code, _ in COUNTRY_CHOICES))
COUNTRY_NAMES = dict(COUNTRY_CHOICES)


def country_field(**kwargs):
    return models.CharField(
        max_length=2,
        blank=True,
        choices=COUNTRY_CHOICES,
        help_text=kwargs.pop(
            "help_text", "ISO 3166-1 alpha-2 code (EU for European Union bodies); blank if unknown."
        ),
        **kwargs,
    )


def country_constraint(prefix: str, field: str = "country"):
    return models.CheckConstraint(
        condition=Q(**{field: ""}) | Q(**{f"{field}__in": COUNTRY_CODES}),
        name=f"{prefix}_{field}_iso3166",
        violation_error_message="The country must be an ISO 3166-1 alpha-2 code such as US.",
    )
