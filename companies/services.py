"""Writes to companies and their aliases; every rule is checked before anything is saved."""

from django.db import transaction
from django.utils.text import slugify

from companies.models import Company, CompanyAlias, validate_parent
from core.services import Outcome, upsert, validate_and_save


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """A slug from text, numbered if taken: "tiktok", "tiktok-2"."""
    base = slugify(text)[: max_length - 6] or "item"
    candidate, counter = base, 2
    taken = model._default_manager.exclude(pk=exclude_pk)
    while taken.filter(slug=candidate).exists():
        candidate = f"{base}-{counter}"
        counter += 1
    return candidate


def company_create(
    *,
    name: str,
    slug: str = "",
    parent: Company | None = None,
    country: str = "",
    website: str = "",
    description: str = "",
    is_published: bool = False,
    aliases: tuple[str, ...] = (),
) -> Company:
    with transaction.atomic():
        company = Company(
            name=name,
            slug=slug or unique_slug(Company, name),
            parent=parent,
            country=country,
            website=website,
            description=description,
            is_published=is_published,
        )
        validate_and_save(company)
        for alias in aliases:
            company_alias_add(company=company, name=alias)
    return company


def company_set_parent(*, company: Company, parent: Company | None) -> Company:
    """Move a company under another, refusing any move that would form a cycle."""
    with transaction.atomic():
        # Lock the chain being read so that two concurrent moves cannot build a cycle together.
        locked = Company.objects.select_for_update().filter(
            pk__in=[company.pk, getattr(parent, "pk", None)]
        )
        list(locked)
        validate_parent(company, parent)
        company.parent = parent
        validate_and_save(company)
    return company


def company_alias_add(*, company: Company, name: str) -> CompanyAlias:
    alias = CompanyAlias(company=company, name=name.strip())
    return validate_and_save(alias)


def company_upsert(
    *, slug: str, aliases: tuple[str, ...] = (), **values
) -> tuple[Company, Outcome]:
    """Create or update a company by slug (used by loaders); aliases are added, never removed."""
    with transaction.atomic():
        company, outcome = upsert(Company, {"slug": slug}, values)
        known = {a.lower() for a in company.aliases.values_list("name", flat=True)}
        for alias in aliases:
            if alias.lower() not in known:
                company_alias_add(company=company, name=alias)
                if outcome == Outcome.UNCHANGED:
                    outcome = Outcome.UPDATED
    return company, outcome
