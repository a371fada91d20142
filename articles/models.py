"""Feeds, their polls, the articles they announce, and the facts proposed from each article.

The rows are the state machine of the import: each step records its outcome on its row, so
the database, not the broker, says what has been done and what is stuck.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cases.models import AMOUNT_DIGITS, Authority, Law, Lawsuit, Settlement, Violation
from companies.models import Company
from core.dates import DatePrecision, format_precise_date, precise_date_constraints
from core.models import TimeStampedModel, choices_constraint
from core.money import CURRENCY_CODES


class PollOutcome(models.TextChoices):
    NEVER = "never", "Never polled"
    OK = "ok", "Fetched"
    UNCHANGED = "unchanged", "Not modified (304)"
    HTTP_ERROR = "http_error", "HTTP error"
    TIMEOUT = "timeout", "Timed out"
    NETWORK_ERROR = "network_error", "Network error"
    MALFORMED = "malformed", "Malformed feed"
    REFUSED = "refused", "Refused (address, type or size)"


FAILED_OUTCOMES = {
    PollOutcome.HTTP_ERROR,
    PollOutcome.TIMEOUT,
    PollOutcome.NETWORK_ERROR,
    PollOutcome.MALFORMED,
    PollOutcome.REFUSED,
}


class FeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def due(self, now):
        """Active feeds whose back-off, if any, has expired."""
        return self.active().filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))


class Feed(TimeStampedModel):
    url = models.URLField(
        max_length=2000,
        unique=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Address of the RSS or Atom feed (http or https).",
    )
    name = models.CharField(max_length=200, help_text="A name editors recognise, e.g. FTC press.")
    publisher = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who publishes the feed's articles; used as the source's publisher.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Only active feeds are polled on schedule."
    )
    etag = models.CharField(
        max_length=500, blank=True, help_text="ETag of the last full response, sent back next time."
    )
    last_modified = models.CharField(
        max_length=100,
        blank=True,
        help_text="Last-Modified header of the last full response, sent back next time.",
    )
    last_polled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the feed was last polled."
    )
    last_outcome = models.CharField(
        max_length=20,
        choices=PollOutcome.choices,
        default=PollOutcome.NEVER,
        help_text="What happened at the last poll.",
    )
    last_error = models.TextField(blank=True, help_text="The last poll's error, if it failed.")
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Failed polls in a row; drives the back-off."
    )
    retry_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A failing feed is not polled on schedule before this time (back-off).",
    )

    objects = FeedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [choices_constraint("last_outcome", PollOutcome, "feed")]

    def __str__(self):
        return self.name


class FeedPoll(models.Model):
    """One row per poll: the audit trail of what the feed returned and what came of it."""

    feed = models.ForeignKey(
        Feed, on_delete=models.CASCADE, related_name="polls", help_text="The feed polled."
    )
    started_at = models.DateTimeField(help_text="When the poll started.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the poll ended.")
    http_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HTTP status of the response; blank if none came."
    )
    outcome = models.CharField(
        max_length=20, choices=PollOutcome.choices, help_text="What happened."
    )
    entries_seen = models.PositiveIntegerField(default=0, help_text="Entries in the feed.")
    articles_created = models.PositiveIntegerField(
        default=0, help_text="New articles this poll created (already known ones are not counted)."
    )
    entries_rejected = models.PositiveIntegerField(
        default=0, help_text="Entries skipped because their link was missing or unusable."
    )
    error = models.TextField(blank=True, help_text="What went wrong, for the editor.")

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        constraints = [choices_constraint("outcome", PollOutcome, "feed_poll")]

    def __str__(self):
        return f"{self.feed} at {self.started_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"


class ArticleStatus(models.TextChoices):
    NEW = "new", "New"
    FETCHED = "fetched", "Fetched"
    EXTRACTED = "extracted", "Extracted"
    REVIEWED = "reviewed", "Reviewed"
    FAILED = "failed", "Failed"


class FailureReason(models.TextChoices):
    NONE = "", "—"
    HTTP_ERROR = "http_error", "HTTP error"
    TIMEOUT = "timeout", "Timed out"
    NETWORK_ERROR = "network_error", "Network error"
    NOT_HTML = "not_html", "Not an HTML or text page"
    TOO_LARGE = "too_large", "Response too large"
    REFUSED_ADDRESS = "refused_address", "Address refused (scheme or private network)"
    NO_TEXT = "no_text", "No article text found"
    EXTRACTION_ERROR = "extraction_error", "The extractor failed on this text"


class Article(TimeStampedModel):
    Status = ArticleStatus

    feed = models.ForeignKey(
        Feed,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text="The feed that first announced the article; blank if imported by hand.",
    )
    url = models.URLField(
        max_length=2000,
        unique=True,
        help_text=(
            "Normalised address (no tracking parameters or fragment); one article per address."
        ),
    )
    guid = models.CharField(
        max_length=1000, blank=True, help_text="The feed entry's id, as the feed gave it."
    )
    title = models.CharField(
        max_length=500, help_text="Title as plain text (markup from the feed is removed)."
    )
    publisher = models.CharField(max_length=200, blank=True, help_text="Who published it.")
    published_on = models.DateField(
        null=True, blank=True, help_text="Publication date given by the feed or the page."
    )
    summary = models.TextField(blank=True, help_text="The feed's summary, as plain text.")
    text = models.TextField(blank=True, help_text="The article text read from the page.")
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the text, to notice changed articles."
    )
    raw_payload = models.BinaryField(
        blank=True,
        editable=False,
        help_text="The page as fetched (capped), kept so that the article can be re-extracted.",
    )
    raw_content_type = models.CharField(
        max_length=200, blank=True, help_text="Content-Type of the fetched page."
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NEW,
        db_index=True,
        help_text="new → fetched → extracted → reviewed, or failed with a reason.",
    )
    status_changed_at = models.DateTimeField(
        auto_now_add=True, help_text="When the status last changed; the sweeper reads it."
    )
    failure_reason = models.CharField(
        max_length=20,
        choices=FailureReason.choices,
        blank=True,
        default="",
        help_text="Why the article failed, if it did.",
    )
    failure_detail = models.TextField(blank=True, help_text="The error message, for the editor.")
    fetch_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the page was requested."
    )
    extractor_version = models.CharField(
        max_length=20, blank=True, help_text="Version of the extractor that made the findings."
    )

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            choices_constraint("status", ArticleStatus, "article"),
            choices_constraint("failure_reason", FailureReason, "article"),
            models.CheckConstraint(
                condition=Q(status=ArticleStatus.FAILED) | Q(failure_reason=""),
                name="article_failure_reason_only_when_failed",
                violation_error_message="Only a failed article has a failure reason.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="article_title_required",
                violation_error_message="An article needs a title.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.pk])


class FindingKind(models.TextChoices):
    SETTLEMENT = "settlement", "Settlement"
    FINE = "fine", "Fine"
    CIVIL_PENALTY = "civil_penalty", "Civil penalty"
    PENALTY = "penalty", "Penalty (unspecified)"
    JUDGMENT = "judgment", "Judgment or verdict"
    LAWSUIT = "lawsuit", "Lawsuit filed"


class FindingStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class FindingQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=FindingStatus.PENDING)


class Finding(TimeStampedModel):
    """A fact the extractor proposes; nothing reaches the public until an editor accepts it."""

    Kind = FindingKind
    Status = FindingStatus

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="findings",
        help_text="The article that states the fact.",
    )
    kind = models.CharField(
        max_length=20, choices=Kind.choices, help_text="The kind of action the wording describes."
    )
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The company matched by name or alias; blank if only named.",
    )
    company_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The company as the article names it; the editor creates it if unknown.",
    )
    amount = models.DecimalField(
        **AMOUNT_DIGITS,
        null=True,
        blank=True,
        help_text="The amount in its own currency; blank for a lawsuit without one.",
    )
    currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217 code of the amount's currency."
    )
    is_headline = models.BooleanField(
        default=False, help_text="The article's main fact, as opposed to an earlier or side one."
    )
    date = models.DateField(
        null=True, blank=True, help_text="When it happened, at the precision the text gives."
    )
    date_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the date is known.",
    )
    date_from_publication = models.BooleanField(
        default=False,
        help_text="The text gives no date; the publication date stands in for it.",
    )
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The regulator or court matched by name.",
    )
    authority_name = models.CharField(
        max_length=200, blank=True, help_text="The regulator or court as the article names it."
    )
    law = models.ForeignKey(
        Law,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The law matched by name.",
    )
    law_name = models.CharField(
        max_length=100, blank=True, help_text="The law as the article names it."
    )
    sentence = models.TextField(help_text="The sentence that states the fact, quoted.")
    also_stated_as = models.JSONField(
        default=list,
        blank=True,
        help_text="The same amount converted into other currencies, as the article gives it.",
    )
    confidence = models.DecimalField(
        max_digits=3, decimal_places=2, help_text="The extractor's confidence, from 0 to 1."
    )
    fingerprint = models.CharField(
        max_length=64, help_text="Identifies the fact within its article, so re-runs add nothing."
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        help_text="Pending until an editor accepts or rejects it.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The editor who accepted or rejected it.",
    )
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was accepted or rejected."
    )
    review_note = models.TextField(blank=True, help_text="Why it was rejected, or what changed.")
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The settlement this finding became or was linked to.",
    )
    violation = models.ForeignKey(
        Violation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The violation this finding became or was linked to.",
    )
    lawsuit = models.ForeignKey(
        Lawsuit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text="The lawsuit this finding became or was linked to.",
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-is_headline", "-amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "fingerprint"],
                name="finding_article_fingerprint_unique",
                violation_error_message="This article already has this finding.",
            ),
            choices_constraint("kind", FindingKind, "finding"),
            choices_constraint("status", FindingStatus, "finding"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="finding_amount_not_negative",
                violation_error_message="The amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) & Q(currency=""))
                | (Q(amount__isnull=False) & Q(currency__in=CURRENCY_CODES)),
                name="finding_amount_has_currency",
                violation_error_message="An amount needs an ISO 4217 currency, and only an amount.",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="finding_confidence_range",
                violation_error_message="Confidence is between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.ACCEPTED)
                | Q(settlement__isnull=False)
                | Q(violation__isnull=False)
                | Q(lawsuit__isnull=False),
                name="finding_accepted_has_record",
                violation_error_message="An accepted finding must point to the record it became.",
            ),
            *precise_date_constraints("date", "date_precision", "finding"),
        ]

    def __str__(self):
        amount = f" {self.amount_display}" if self.amount is not None else ""
        who = self.company.name if self.company else self.company_name or "unknown company"
        return f"{self.get_kind_display()}{amount} — {who}"

    @property
    def amount_display(self) -> str:
        from core.money import format_money

        return format_money(self.amount, self.currency) if self.amount is not None else ""

    @property
    def date_display(self) -> str:
        return format_precise_date(self.date, self.date_precision)

    @property
    def record(self):
        return self.settlement or self.violation or self.lawsuit
