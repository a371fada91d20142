from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from core.countries import country_constraint, country_field
from core.models import PublishableModel, PublishableQuerySet, TimeStampedModel
from core.urls import detail_url

# A company's descendants, found in one query on both SQLite and PostgreSQL. UNION (not
# UNION ALL) makes the recursion stop even if bad data ever formed a cycle.
FAMILY_IDS_SQL = """
WITH RECURSIVE family(id) AS (
    SELECT id FROM companies_company WHERE id = %s
    UNION
    SELECT child.id FROM companies_company child JOIN family ON child.parent_id = family.id
)
SELECT id FROM family
"""


def family_ids_expression(company_id: int) -> RawSQL:
    """A subquery of the ids of a company and all its descendants, for use with __in."""
    return RawSQL(FAMILY_IDS_SQL, (company_id,))


class CompanyQuerySet(PublishableQuerySet):
    def family_of(self, company: "Company"):
        """The company itself and every subsidiary below it, however deep."""
        return self.filter(id__in=family_ids_expression(company.pk))

    def roots(self):
        return self.filter(parent__isnull=True)


class Company(PublishableModel):
    name = models.CharField(max_length=200, help_text="The company's usual name, e.g. TikTok.")
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Unique, used in the company's address."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
        help_text="The company that owns or controls this one; blank for a top-level company.",
    )
    country = country_field(help_text="Country of incorporation or headquarters (ISO 3166-1).")
    website = models.URLField(blank=True, help_text="The company's main website.")
    description = models.TextField(
        blank=True, help_text="A short, neutral description of what the company does."
    )
    history = HistoricalRecords()

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="company_name_country_unique",
                violation_error_message="A company with this name already exists in this country.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="company_not_own_parent",
                violation_error_message="A company cannot be its own parent.",
            ),
            country_constraint("company"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("companies:detail", "slug", self.slug)

    def ancestors(self) -> list["Company"]:
        """Parents up to the top, nearest first; stops on a cycle rather than looping."""
        chain, seen, current = [], {self.pk}, self.parent
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.parent
        return chain

    def clean(self):
        super().clean()
        validate_parent(self, self.parent)


def validate_parent(company: Company, parent: Company | None) -> None:
    """Refuse a parent that is the company itself or one of its descendants."""
    if parent is None:
        return
    if company.pk is not None and parent.pk == company.pk:
        raise ValidationError({"parent": "A company cannot be its own parent."})
    if company.pk is None:
        return
    seen = set()
    current = parent
    while current is not None:
        if current.pk == company.pk:
            raise ValidationError(
                {
                    "parent": (
                        f"{parent} is a subsidiary of {company}; making it the parent would "
                        "create a cycle."
                    )
                }
            )
        if current.pk in seen:
            break
        seen.add(current.pk)
        current = current.parent


class CompanyAlias(TimeStampedModel):
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="aliases",
        help_text="The company this name refers to.",
    )
    name = models.CharField(
        max_length=200,
        help_text='Another name articles use for the company, e.g. "TikTok Inc." or "Musical.ly".',
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "company aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="company_alias_name_unique",
                violation_error_message="This alias already names a company.",
            ),
        ]

    def __str__(self):
        return self.name
