"""Amount bands: fixed ranges of the approximate USD value that the summaries group by.

A list filtered by an amount range [minimum, maximum] reads its figures from the summary
rows of the bands wholly inside the range, and counts only the records of the two partial
bands at its ends from the rows (cases.public_selectors). Bands are 10 per decade, on the
values people type (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten), so that
round ranges have no partial band at all and any other range has at most two, each a
fraction of a decade wide. Finer bands would shrink the partial bands but multiply the
summary rows a range reads (every band holds its own row per year, kind, status and
currency).

Changing the bounds changes what the stored band rows mean: run ``manage.py
rebuild_summaries`` afterwards (a migration should).
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, Q, Value, When

MANTISSAS = tuple(Decimal(m) for m in ("1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8"))
# Amounts have at most 18 whole digits (``AMOUNT_DIGITS``): the last band is open-ended.
BOUNDS = (Decimal(0), *(m.scaleb(power) for power in range(18) for m in MANTISSAS))
BAND_FIELD = DecimalField(max_digits=20, decimal_places=2)


def band_of(value: Decimal | None) -> Decimal | None:
    """The lower bound of the band holding ``value`` (None for no value)."""
    if value is None:
        return None
    return max(bound for bound in BOUNDS if bound <= value)


def band_expression(field: str):
    """SQL for the lower bound of ``field``'s band (NULL when NULL): a binary CASE tree,
    so each row costs about eight comparisons, on PostgreSQL and SQLite alike."""

    def tree(low: int, high: int):
        if high - low == 1:
            return Value(BOUNDS[low], output_field=BAND_FIELD)
        middle = (low + high) // 2
        return Case(
            When(Q(**{f"{field}__lt": BOUNDS[middle]}), then=tree(low, middle)),
            default=tree(middle, high),
            output_field=BAND_FIELD,
        )

    return Case(
        When(Q(**{f"{field}__isnull": True}), then=Value(None, output_field=BAND_FIELD)),
        default=tree(0, len(BOUNDS)),
        output_field=BAND_FIELD,
    )


def full_bands(
    minimum: Decimal | None, maximum: Decimal | None
) -> tuple[Decimal, Decimal | None] | None:
    """The bands wholly inside [minimum, maximum], as [low, high) (high None: unbounded).

    Every value of such a band is in the range; the range's other values lie in
    [minimum, low) and [high, maximum], each inside one band. None when no band fits.
    """
    low = min((bound for bound in BOUNDS if minimum is None or bound >= minimum), default=None)
    if low is None:
        return None
    if maximum is None:
        return low, None
    # A band [bound, next) is inside when next <= maximum: its values are all below next.
    uppers = [bound for bound in BOUNDS[1:] if bound <= maximum]
    high = uppers[-1] if uppers else None
    if high is None or high <= low:
        return None
    return low, high
